"""keras-roundtrip generator: builds each case's Keras model and writes its golden folder.

Layers, outermost first: ``__main__`` (argv) → ``worker`` / ``reload`` (protocol, validation) →
``generate`` (one case, one folder) → ``model_building``, ``input_generation``, ``formats`` (one module
per artifact format), ``weight_truth``, ``manifest``. Importing this package imports neither TensorFlow
nor the custom model classes: a fresh ``reload`` process must decide itself which classes it can see.
"""
