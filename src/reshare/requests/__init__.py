"""Request engine: state models, actions, rota, borrowing and lending flows."""
