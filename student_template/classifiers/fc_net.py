"""Modular fully-connected networks: TwoLayerNet and FullyConnectedNet.

CS231n layout (``cs231n/classifiers/fc_net.py``). Both models follow the same contract:

* ``self.params`` maps parameter names (``W1``, ``b1``, ..., ``gamma1``, ``beta1``, ...) to arrays.
* ``loss(X, y=None)`` returns the class scores, shape (N, C), when ``y`` is None (test mode),
  otherwise ``(loss, grads)`` where ``grads`` has exactly the keys of ``self.params``.
* The loss is the softmax cross-entropy plus ``0.5 * reg * sum(W**2)`` over the weight matrices
  only (biases, gammas and betas are not regularised); the gradient of that term is ``reg * W``.
"""
import numpy as np

from ..layers import *
from ..layer_utils import *


class TwoLayerNet(object):
    """A two-layer fully-connected network with ReLU and a softmax loss.

    Architecture: affine - relu - affine - softmax. Input dimension D, hidden dimension H,
    C classes. Weights are stored as (in, out): ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C),
    ``b2`` (C,). Optimisation is done by a separate ``Solver``.
    """

    def __init__(
        self,
        input_dim=3 * 32 * 32,
        hidden_dim=100,
        num_classes=10,
        weight_scale=1e-3,
        reg=0.0,
    ):
        """Initialise a new network.

        Inputs:
        - input_dim: D, the size of one flattened input.
        - hidden_dim: H, the size of the hidden layer.
        - num_classes: C, the number of classes.
        - weight_scale: standard deviation of the normal distribution the weights are drawn
          from (W1 first, then W2); biases start at zero.
        - reg: strength of the L2 regularisation.
        """
        self.params = {}
        self.reg = reg

        raise NotImplementedError("TwoLayerNet.__init__: not implemented yet")

    def loss(self, X, y=None):
        """Compute the loss and gradient for a minibatch.

        Inputs:
        - X: array of shape (N, d_1, ..., d_k) with D = d_1 * ... * d_k.
        - y: array of labels of shape (N,), y[i] in [0, C), or None.

        Returns:
        - If y is None: scores, array of shape (N, C), scores[i, c] the score of class c.
        - Otherwise a tuple (loss, grads): loss a scalar (softmax loss + 0.5 * reg * sum(W**2)),
          grads a dict with the keys of self.params, each the gradient of the loss with respect
          to that parameter (same shape).
        """
        raise NotImplementedError("TwoLayerNet.loss: not implemented yet")

    def save(self, fname):
        """Save the parameters dict to the .npy file at path ``fname`` (``np.save``, pickled)."""
        np.save(fname, self.params)
        print(fname, "saved.")

    def load(self, fname):
        """Load the parameters dict written by ``save`` from the path ``fname``, if it exists."""
        try:
            self.params = np.load(fname, allow_pickle=True).item()
        except FileNotFoundError:
            print(fname, "not available.")
            return False
        print(fname, "loaded.")
        return True


class FullyConnectedNet(object):
    """A fully-connected network with any number of hidden layers and a softmax loss.

    Architecture, for L = len(hidden_dims) + 1 layers:

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where batch/layer normalisation and dropout are optional. ``W{i}`` has shape
    (dims[i-1], dims[i]) with dims = [input_dim] + hidden_dims + [num_classes]; ``b{i}`` has
    shape (dims[i],). With normalisation the hidden layers also have ``gamma{i}`` (ones) and
    ``beta{i}`` (zeros) of shape (dims[i],); the output layer has none.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
        initialization="random",
    ):
        """Initialise a new FullyConnectedNet.

        Inputs:
        - hidden_dims: list of the hidden layer sizes.
        - input_dim: D, the size of one flattened input.
        - num_classes: C, the number of classes.
        - dropout_keep_ratio: probability of KEEPING a unit in dropout (1 = no dropout).
        - normalization: None, "batchnorm" or "layernorm".
        - reg: strength of the L2 regularisation.
        - weight_scale: standard deviation of the weights for initialization="random".
        - dtype: numpy dtype of every parameter and of the input inside loss(); float32 is
          faster, float64 is needed for numeric gradient checks.
        - seed: if given, dropout uses this seed (deterministic masks, for gradient checks).
        - initialization: how the weights are drawn (biases always start at zero):
          * "random": weight_scale * np.random.randn(in, out), layer by layer W1, W2, ...
          * "he": N(0, 2 / fan_in), fan_in = the layer's input width, for EVERY layer. The
            last (linear, not ReLU-followed) layer also gets the ReLU gain sqrt(2): the course
            never checks that layer (docs/courses.md §9.4) and one rule for all layers is the
            simplest reading of "std = sqrt(2 / fan_in)". weight_scale is ignored.
          * "zero": all weights zero (the network cannot break symmetry).
        """
        if normalization not in (None, "batchnorm", "layernorm"):
            raise ValueError('Unknown normalization "%s"' % (normalization,))
        if initialization not in ("random", "he", "zero"):
            raise ValueError('Unknown initialization "%s"' % (initialization,))

        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        raise NotImplementedError("FullyConnectedNet.__init__: not implemented yet")

        # When using dropout we pass the same dropout_param dict to every dropout layer, so
        # the layers know the keep probability and the mode (train / test). A seed makes the
        # masks deterministic.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # One dict per normalised layer: batchnorm keeps its running mean and variance there;
        # bn_params[i] goes to the (i+1)-th layer.
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        # Cast all parameters to the correct datatype.
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and gradient for the fully-connected net.

        Inputs:
        - X: array of shape (N, d_1, ..., d_k); it is cast to self.dtype.
        - y: array of labels of shape (N,), or None for test mode.

        Returns:
        - If y is None (test mode: dropout off, batchnorm uses its running statistics and does
          not update them): scores, array of shape (N, C).
        - Otherwise (train mode) a tuple (loss, grads): loss a scalar (softmax loss +
          0.5 * reg * sum over all W{i} of sum(W{i}**2)), grads a dict with the keys of
          self.params.
        """
        # copy=False: no copy of the batch when it already has the model's dtype.
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"

        # Set train/test mode for the batchnorm params and the dropout param, since they
        # behave differently during training and testing.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode

        raise NotImplementedError("FullyConnectedNet.loss: not implemented yet")
