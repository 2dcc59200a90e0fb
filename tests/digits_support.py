"""The digits and the small dense model of the tests that train real Keras models."""

import keras
from sklearn.datasets import load_digits


def digits_split(train: int = 1200, end: int | None = None):
    """(x, y, x_val, y_val): the first `train` digits to train on, the next ones up to `end`."""
    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    return x[:train], data.target[:train], x[train:end], data.target[train:end]


def build_model(hp):
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 1e-2, sampling="log")),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
