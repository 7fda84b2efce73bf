"""A module whose docstrings hold diagrams."""


def good():
    """A perceptron.

    .. ncd::

       input X: 784
       Y = relu X
       output Y
    """


def bad():
    """A diagram with a mistake on the docstring's line 8.

    Some text.

    .. ncd::

       input X: 784
       Y = softmax X over z
       output Y
    """
