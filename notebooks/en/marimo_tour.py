import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo
    import numpy as np

    import interpwidgets as iw

    return iw, mo, np


@app.cell
def _(mo):
    mo.md("""
    # interpwidgets in marimo

    The widgets are anywidgets, which marimo shows natively. Wrapped in
    `mo.ui.anywidget(...)`, a widget's traits become reactive: a click in the browser
    (the neuron stepper, a head, a target class) re-runs the cells that read the widget.
    Everything below runs on the models shipped with the package, with no network.
    """)
    return


@app.cell
def _(iw):
    code = (
        "def greet(name, times=2):\n"
        '    """Say hello to (name)."""\n'
        "    for i in range(times):\n"
        '        print(f"hello, {name}!")  # [{i}]\n'
        "    return {'name': name, 'times': (times + 1)}\n"
    )
    lm = iw.zoo.char_lstm()
    tr = iw.trace(lm, code)
    # the card's cell: chosen on held-out files and scored on others, named for what it does
    best = iw.zoo.card("char_lstm")["cells"]["in_string"]
    return best, lm, tr


@app.cell
def _(best, iw, mo, tr):
    neurons = mo.ui.anywidget(
        iw.NeuronText(
            tr,
            layer=best["layer"],
            neuron=int(best["neuron"]),
            title=f"char LSTM: the {best['name']}",
        )
    )
    neurons
    return (neurons,)


@app.cell
def _(mo, neurons, np, tr):
    # Re-runs whenever the neuron or layer is changed in the widget above.
    layer, neuron = neurons.widget.layer, neurons.widget.neuron
    values = tr.activations[layer][:, neuron]
    top = np.argsort(-values)[:5]
    where = ", ".join(f"{tr.tokens[i]!r} ({values[i]:+.2f})" for i in top)
    mo.md(f"**Selected: {layer} neuron {neuron}** · most active on {where}")
    return


@app.cell
def _(iw, lm, mo):
    from interpwidgets.zoo.corpus import held_out_sample

    # Code the model never trained on; hover a character for its predictions, scroll the
    # text and the neurons × positions heatmap follows (fetched from Python on demand).
    explorer = mo.ui.anywidget(
        iw.NeuronExplorer(
            iw.trace(lm, held_out_sample(1500)), layer="rnn.1.h", title="every neuron"
        )
    )
    explorer
    return


@app.cell
def _(iw, mo):
    enc, tok = iw.zoo.minilm()
    sentence = "The cat sat on the mat because it was tired."
    heads = mo.ui.anywidget(
        iw.AttentionView(
            iw.trace(enc, sentence, tokenizer=tok),
            layer=2,
            title="all-MiniLM-L6-v2, 6 layers × 12 heads",
        )
    )
    heads
    return (heads,)


@app.cell
def _(heads, mo):
    mo.md(
        f"**Attention:** {heads.widget.view} view, layer {heads.widget.layer}, "
        f"head {heads.widget.head}"
    )
    return


@app.cell
def _(iw, mo):
    clf, ctok = iw.zoo.sentiment()
    review = "A moving, beautifully acted film, though the ending drags."
    attribution = iw.attribute(clf, review, tokenizer=ctok, all_targets=True, n_steps=32)
    why = mo.ui.anywidget(iw.AttributionText(attribution, title="why this sentiment?"))
    why
    return (why,)


@app.cell
def _(mo, why):
    w = why.widget
    mo.md(f"**Explaining:** {w.labels[w.target]} (predicted: {w.labels[w.predicted]})")
    return


if __name__ == "__main__":
    app.run()
