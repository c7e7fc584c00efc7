"""Projects: the ones this member may see, their members, and a kanban board per project."""

from __future__ import annotations

import uuid

import streamlit as st

from core.errors import DomainError
from core.identity.members import list_members
from core.projects.models import PRIORITIES, TASK_STATUSES
from core.projects.service import create_project, list_projects, set_members, set_wip_limits, wip_settings
from core.projects.tasks import create_task
from core.rbac.guard import can
from ui.actions import act, show_toasts
from ui.guard import page_guard
from ui.kanban import kanban
from ui.session import lang, tr
from ui.widgets import empty_state, plain

ctx = page_guard()
show_toasts()
st.title(tr("projects.title"), anchor=False)

try:
    people = {m.user_id: m.full_name or m.email for m in list_members(ctx)}
except DomainError:
    people = {}
me = uuid.UUID(ctx.actor.id) if ctx.actor.kind == "user" else None
projects = list_projects(ctx)

if can(ctx, "project.create"):
    with st.expander(tr("projects.new"), expanded=not projects, icon=":material/add:"), \
            st.form("proj_new", clear_on_submit=True, border=False):
        name = st.text_input(tr("projects.name"), key="proj_new_name")
        description = st.text_area(tr("projects.description"), key="proj_new_description", height=80)
        others = [u for u in people if u != me]
        members = st.multiselect(tr("projects.members"), others, format_func=people.__getitem__, key="proj_new_members",
                                 help=tr("projects.members_help"), placeholder=tr("projects.members_hint"))
        if st.form_submit_button(tr("projects.create"), type="primary", icon=":material/save:"):
            made = act(lambda: create_project(ctx, name, description, members), done=tr("projects.created"))
            if made is not None:
                st.session_state["proj_pick"] = made.id
                st.rerun()

if not projects:
    empty_state(":material/view_kanban:", tr("projects.empty_title"),
                tr("projects.empty_body") if can(ctx, "project.create") else tr("projects.empty_body_readonly"))
    st.stop()

by_id = {p.id: p for p in projects}
if st.session_state.get("proj_pick") not in by_id:
    st.session_state["proj_pick"] = projects[0].id
pick = st.selectbox(tr("projects.pick"), list(by_id), format_func=lambda p: by_id[p].name, key="proj_pick")
project = by_id[pick]
names = [people.get(u, tr("projects.former_member")) for u in project.member_ids]
st.caption((plain(project.description) + "  \n" if project.description else "")
           + ":material/group: " + (", ".join(plain(n) for n in sorted(names)) if names else tr("projects.no_members")))

if can(ctx, "project.manage") and people:
    with st.expander(tr("projects.manage_members"), icon=":material/group:"), st.form("proj_members", border=False):
        chosen = st.multiselect(tr("projects.members"), list(people), format_func=people.__getitem__,
                                default=[u for u in project.member_ids if u in people], key=f"proj_members_{pick}")
        if st.form_submit_button(tr("common.save"), type="primary"):
            act(lambda: set_members(ctx, project.id, chosen), done=tr("projects.members_saved"), rerun="app")

if can(ctx, "project.manage"):
    limits, mode = wip_settings(ctx, project.id)
    with st.expander(tr("kanban.wip_title"), icon=":material/speed:"), st.form("proj_wip", border=False):
        cols = st.columns(len(TASK_STATUSES) + 1)
        wanted = {status: int(cols[i].number_input(tr(f"task.status.{status}"), 0, 1000, limits.get(status, 0),
                                                  key=f"wip_{pick}_{status}"))
                  for i, status in enumerate(TASK_STATUSES)}
        modes = {"warn": tr("kanban.wip_warn"), "block": tr("kanban.wip_block")}
        chosen_mode = cols[-1].selectbox(tr("kanban.wip_mode"), list(modes), index=list(modes).index(mode),
                                         format_func=modes.__getitem__, key=f"wip_mode_{pick}")
        st.caption(tr("kanban.wip_help"))
        if st.form_submit_button(tr("common.save"), type="primary"):
            act(lambda: set_wip_limits(ctx, project.id, wanted, chosen_mode), done=tr("common.saved"), rerun="app")

if can(ctx, "task.write"):
    with st.expander(tr("kanban.add"), icon=":material/edit_note:"), \
            st.form("task_new", clear_on_submit=True, border=False):
        title = st.text_input(tr("kanban.title"), key="task_new_title")
        a, b, c = st.columns(3)
        priorities = {p: tr(f"task.priority.{p}") for p in PRIORITIES}
        assignees: dict[uuid.UUID | None, str] = {None: tr("kanban.unassigned")}
        assignees.update({u: people.get(u, tr("projects.former_member")) for u in project.member_ids})
        priority = a.selectbox(tr("kanban.priority"), PRIORITIES, index=1, key="task_new_priority",
                               format_func=priorities.__getitem__)
        assignee = b.selectbox(tr("kanban.assignee"), list(assignees), key="task_new_assignee",
                               format_func=assignees.__getitem__)
        due = c.date_input(tr("kanban.due"), value=None, key="task_new_due",
                           format="DD/MM/YYYY" if lang() == "id" else "YYYY/MM/DD")
        details = st.text_area(tr("kanban.description"), key="task_new_description", height=68)
        if st.form_submit_button(tr("kanban.add_submit"), type="primary", icon=":material/save:"):
            act(lambda: create_task(ctx, project.id, title, description=details, priority=priority,
                                    assignee_user_id=assignee, due_date=due),
                done=tr("kanban.added", title=title.strip()), rerun="app")

kanban(ctx, project.id, people)
