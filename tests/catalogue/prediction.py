"""Realistic submissions of the prediction assignment: mistakes and correct variants.

Each mistake is a different misunderstanding a student really has; each
variant is a different correct way to write a cell.
"""

from tests.support import Case


def _mistake(name, cell, code, message):
    return Case(name, {cell: code}, loses=frozenset({f"test_{cell}"}), message=message)


LR_OK_FORWARD = "\n    def forward(self, x):\n        return self.linear(x)\n"

MISTAKES = [
    _mistake("params_integer_tensors_require_grad", "params",
             "w = torch.tensor(2, requires_grad=True)\nb = torch.tensor(-1, requires_grad=True)\n", "decimal point"),
    _mistake("params_without_requires_grad", "params",
             "w = torch.tensor(2.0)\nb = torch.tensor(-1.0)\n", "requires_grad=True"),
    _mistake("params_swapped_slope_and_bias", "params",
             "w = torch.tensor(-1.0, requires_grad=True)\nb = torch.tensor(2.0, requires_grad=True)\n", "swapped"),
    _mistake("params_as_python_floats", "params", "w = 2.0\nb = -1.0\n", "not a tensor"),
    _mistake("forward_forgets_the_bias", "forward", "def forward(x):\n    return w * x\n", "forgot the bias"),
    _mistake("forward_hardcodes_2_and_minus_1", "forward", "def forward(x):\n    return 2 * x - 1\n",
             "instead of the global parameters"),
    _mistake("forward_breaks_autograd_with_item", "forward",
             "def forward(x):\n    return w.item() * x + b.item()\n", "not connected"),
    _mistake("forward_swaps_weight_and_bias", "forward", "def forward(x):\n    return b * x + w\n", "swapped"),
    _mistake("forward_flattens_the_batch", "forward",
             "def forward(x):\n    return (w * x + b).flatten()\n", "one prediction per row"),
    _mistake("linear_model_without_seed", "linear_model",
             "model = nn.Linear(in_features=1, out_features=1)\n", "torch.manual_seed(1)"),
    _mistake("linear_model_seed_after_creating", "linear_model",
             "model = nn.Linear(1, 1)\ntorch.manual_seed(1)\n", "before creating the layer"),
    _mistake("linear_model_is_the_class_not_a_layer", "linear_model",
             "torch.manual_seed(1)\nmodel = nn.Linear\n", "class nn.Linear itself"),
    _mistake("LR_hardcodes_one_to_one", "LR",
             "class LR(nn.Module):\n    def __init__(self, input_size, output_size):\n        super().__init__()\n"
             "        self.linear = nn.Linear(1, 1)\n" + LR_OK_FORWARD, "not fixed numbers"),
    _mistake("LR_swaps_the_sizes", "LR",
             "class LR(nn.Module):\n    def __init__(self, input_size, output_size):\n        super().__init__()\n"
             "        self.linear = nn.Linear(output_size, input_size)\n" + LR_OK_FORWARD, "swapped"),
    _mistake("LR_keeps_the_layer_in_a_plain_list", "LR",
             "class LR(nn.Module):\n    def __init__(self, input_size, output_size):\n        super().__init__()\n"
             "        self.layers = [nn.Linear(input_size, output_size)]\n\n"
             "    def forward(self, x):\n        return self.layers[0](x)\n", "not registered"),
    _mistake("LR_forward_drops_the_bias", "LR",
             "class LR(nn.Module):\n    def __init__(self, input_size, output_size):\n        super().__init__()\n"
             "        self.linear = nn.Linear(input_size, output_size)\n\n"
             "    def forward(self, x):\n        return x @ self.linear.weight.T\n", "left out the bias"),
    _mistake("set_parameters_edits_state_dict_without_loading", "set_parameters",
             "def set_parameters(model, weight, bias):\n    state = model.state_dict()\n"
             "    state['linear.weight'] = torch.as_tensor(weight).reshape(state['linear.weight'].shape)\n"
             "    state['linear.bias'] = torch.as_tensor(bias).reshape(state['linear.bias'].shape)\n"
             "    return model\n", "load_state_dict"),
    _mistake("set_parameters_forgets_return", "set_parameters",
             "def set_parameters(model, weight, bias):\n    state = model.state_dict()\n"
             "    state['linear.weight'] = torch.as_tensor(weight, dtype=torch.float32).reshape(state['linear.weight'].shape)\n"
             "    state['linear.bias'] = torch.as_tensor(bias, dtype=torch.float32).reshape(state['linear.bias'].shape)\n"
             "    model.load_state_dict(state)\n", "forget `return model`"),
    _mistake("set_parameters_does_not_reshape_plain_numbers", "set_parameters",
             "def set_parameters(model, weight, bias):\n    state = model.state_dict()\n"
             "    state['linear.weight'] = torch.tensor(weight)\n    state['linear.bias'] = torch.tensor(bias)\n"
             "    model.load_state_dict(state)\n    return model\n", "plain numbers"),
    _mistake("set_parameters_uses_layer_keys_without_prefix", "set_parameters",
             "def set_parameters(model, weight, bias):\n"
             "    model.load_state_dict({'weight': torch.as_tensor(weight), 'bias': torch.as_tensor(bias)})\n"
             "    return model\n", "'linear.weight'"),
]

VARIANTS = [
    Case("params_with_requires_grad_method", {"params": "w = torch.tensor(2.0).requires_grad_()\n"
                                                        "b = torch.tensor(-1.0)\nb.requires_grad_(True)\n"}),
    Case("params_with_dtype_and_tuple", {"params": "w, b = (torch.tensor(2, dtype=torch.float32, requires_grad=True),\n"
                                                   "        torch.tensor(-1, dtype=torch.float32, requires_grad=True))\n"}),
    Case("forward_with_torch_functions", {"forward": "def forward(x):\n    yhat = torch.add(torch.mul(w, x), b)\n"
                                                     "    return yhat\n"}),
    Case("forward_bias_first", {"forward": "def forward(x):\n    y = b + w * x\n    return y\n"}),
    Case("linear_model_imported_linear", {"linear_model": "from torch.nn import Linear\n\ntorch.manual_seed(1)\n"
                                                          "model = Linear(1, 1)\nprint(list(model.parameters()))\n"}),
    Case("LR_old_style_super_and_forward_call", {"LR": "class LR(nn.Module):\n"
                                                       "    def __init__(self, in_size, output_size):\n"
                                                       "        super(LR, self).__init__()\n"
                                                       "        self.linear = nn.Linear(in_size, output_size)\n\n"
                                                       "    def forward(self, x):\n        out = self.linear(x)\n"
                                                       "        return out\n"}),
    Case("set_parameters_copy_under_no_grad", {"set_parameters": "def set_parameters(model, weight, bias):\n"
                                                                 "    with torch.no_grad():\n"
                                                                 "        model.linear.weight.copy_(torch.as_tensor(weight).view_as(model.linear.weight))\n"
                                                                 "        model.linear.bias.copy_(torch.as_tensor(bias).view_as(model.linear.bias))\n"
                                                                 "    return model\n"}),
    Case("set_parameters_new_ordered_dict", {"set_parameters": "from collections import OrderedDict\n\n"
                                                               "def set_parameters(model, weight, bias):\n"
                                                               "    old = model.state_dict()\n"
                                                               "    new = OrderedDict()\n"
                                                               "    new['linear.weight'] = torch.tensor(weight, dtype=torch.float).reshape(old['linear.weight'].shape)\n"
                                                               "    new['linear.bias'] = torch.tensor(bias, dtype=torch.float).reshape(old['linear.bias'].shape)\n"
                                                               "    model.load_state_dict(new)\n    return model\n"}),
    Case("set_parameters_in_place_on_state_dict", {"set_parameters": "def set_parameters(model, weight, bias):\n"
                                                                     "    sd = model.state_dict()\n"
                                                                     "    sd['linear.weight'].copy_(torch.as_tensor(weight).reshape(sd['linear.weight'].shape))\n"
                                                                     "    sd['linear.bias'].copy_(torch.as_tensor(bias).reshape(-1))\n"
                                                                     "    return model\n"}),
    Case("set_parameters_through_data", {"set_parameters": "def set_parameters(model, weight, bias):\n"
                                                           "    shape_w = model.linear.weight.shape\n"
                                                           "    shape_b = model.linear.bias.shape\n"
                                                           "    model.linear.weight.data = torch.as_tensor(weight, dtype=torch.float32).reshape(shape_w).clone()\n"
                                                           "    model.linear.bias.data = torch.as_tensor(bias, dtype=torch.float32).reshape(shape_b).clone()\n"
                                                           "    return model\n"}),
    Case("ipython_magics_and_extra_cells", extra_cells=("%matplotlib inline\n!pip list\nprint(model(torch.tensor([[1.0]])))",
                                                         "%%time\nyy = forward(torch.ones(3, 1))\n")),
]
