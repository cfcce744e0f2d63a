"""Running models: the vendor clients, execute with escalation, the edit workflow and its
deterministic half, the secrets policy, syntax checks and validation."""
