"""PyTorch models the check test root's diagrams are verified against (the i18n test root links to this file)."""
from torch import nn


class Perceptron(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


class WrongPerceptron(nn.Module):
    """fc1 produces 256 features where the diagram says 512."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())
