"""The CEO digest: yesterday's KPIs in SQL, insights from the model, delivery."""
