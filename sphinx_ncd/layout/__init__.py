"""Layout (stage 3 of syntax -> model -> layout -> render): Diagram -> Scene in abstract units."""
