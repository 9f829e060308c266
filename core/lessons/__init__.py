"""The guided path: lessons read from the lessons/ folder, their tasks checked from a
learner's runs and actions, and each learner's ticks."""
