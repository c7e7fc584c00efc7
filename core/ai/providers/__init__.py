"""Model providers. Only core.ai.gateway uses them; features never import a provider."""
