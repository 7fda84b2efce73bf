"""Models written for the checker's tests: correct ones and deliberately broken ones."""
