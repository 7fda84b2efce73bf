"""Model stage: typed neural circuit diagrams and shape inference."""
from .types import Axis, AxisKind, BlockHeader, Diagram, Group, Operation, OpKind, Panel, Section, Value

__all__ = ["Axis", "AxisKind", "BlockHeader", "Diagram", "Group", "Operation", "OpKind", "Panel",
           "Section", "Value"]
