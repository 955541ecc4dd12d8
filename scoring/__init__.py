"""Credit default scoring: data, features, XGBoost model, business threshold, SHAP. Never imports Dash."""
