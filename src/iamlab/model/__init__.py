"""The IAM model: policies, principals, labs, evaluation and STS sessions."""
