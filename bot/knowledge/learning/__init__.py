"""The learned part of the answer engine: features, the linear models, their training and the baselines."""
