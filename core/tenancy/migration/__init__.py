"""The migration engine: tier and region moves as a resumable state machine."""
