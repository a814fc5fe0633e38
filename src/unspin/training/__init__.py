"""Training unspin's models from labelled data: ``unspin train`` and the project's own scripts.

Needs the ``train`` extra (PyTorch, transformers): ``pip install "unspin[train]"``. Nothing
that analyses text imports this package; analysis runs on the exported ONNX files alone.

- ``loop``: the one training loop, with a checkpoint every epoch and an exact resume;
- ``data``: technique spans (PTC format, Label Studio exports), sentences, label sets, splits;
- ``bases``: what a run starts from (the shipped models' weights, or a pre-trained encoder);
- ``weights``: torch weights read back from an ONNX model, dequantised;
- ``spans``, ``claims``: the two trainers; ``export``: ONNX export and quantisation;
- ``folder``: the model folder a run writes (config, techniques, model card);
- ``cli``: the ``unspin train`` commands.
"""
