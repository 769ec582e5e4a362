"""PyTorch mechanics: `torch.autograd.grad`, updates under `no_grad`."""
import keras
import torch

from ganzoo.backend.common import TrainFunction, split_aux


def sync_state(model):
    """Variables are updated in place on PyTorch: nothing to do."""


def step_value_reader(model, variable):
    """A function returning `variable`'s latest value during `fit` (variables are current here)."""
    return lambda: variable.value


def read_variable(variable):
    """The value of `variable` in the running step (the variable itself is current here)."""
    return variable.value


class Trainer(TrainFunction, keras.Model):
    """Gradient mechanics of ganzoo models on the PyTorch backend."""

    def skip_train_step(self, args, logs):
        """A skipped batch (resume): `fit`'s epoch iterator has drawn it already; nothing to do."""
        return dict(logs)

    def compute_gradients(self, loss_fn, variables, optimizer=None):
        with torch.enable_grad():
            loss, aux = split_aux(loss_fn())
            scaled = optimizer.scale_loss(loss) if optimizer is not None else loss
        # autograd.grad computes only what is asked for and never touches `.grad`, so
        # the D and G updates need no zero_grad() bookkeeping between them.
        grads = torch.autograd.grad(scaled, [v.value for v in variables], allow_unused=True)
        grads = [torch.zeros_like(v.value) if g is None else g for g, v in zip(grads, variables)]
        return loss.detach(), _detach(aux), grads

    def forward_with_pullback(self, fn, variables):
        """`fn()`'s outputs and `pullback(cotangents) -> grads of variables` (a VJP).

        The outputs keep their autograd graph until the pullback runs; detach them
        (`ops.stop_gradient`) where they must not carry gradients.
        """
        with torch.enable_grad():
            out = fn()
        values = [v.value for v in variables]

        def pullback(cotangents):
            grads = torch.autograd.grad(out, values, grad_outputs=cotangents, allow_unused=True)
            return [torch.zeros_like(v) if g is None else g for g, v in zip(grads, values)]

        return out, pullback

    def loss_and_input_gradient(self, loss_fn, x, optimizer=None):
        """`(loss, aux, d loss / d x)` of `loss_fn(x)`."""
        x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            loss, aux = split_aux(loss_fn(x))
            scaled = optimizer.scale_loss(loss) if optimizer is not None else loss
        (grad,) = torch.autograd.grad(scaled, x)
        return loss.detach(), _detach(aux), grad

    def apply_gradients(self, optimizer, grads, variables):
        with torch.no_grad():
            optimizer.apply(grads, variables)

    def input_gradients(self, fn, x):
        x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            out = fn(x)
            # create_graph: the penalty on this gradient is itself differentiated.
            (grad,) = torch.autograd.grad(out.float().sum(), x, create_graph=True)
        return out, grad

    def train_step(self, data):
        return self.adversarial_step(data)

    def test_step(self, data):
        with torch.no_grad():
            return self.adversarial_eval_step(data)



def _detach(tree):
    if tree is None:
        return None
    return keras.tree.map_structure(
        lambda t: t.detach() if isinstance(t, torch.Tensor) else t, tree
    )
