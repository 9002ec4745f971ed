import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo
    import numpy as np

    import interpwidgets as iw

    iw.locale("zh")  # 组件的标签、提示和报错都用中文
    return iw, mo, np


@app.cell
def _(mo):
    mo.md("""
    # 在 marimo 里使用 interpwidgets

    这些组件都是 anywidget，marimo 可以直接显示。用 `mo.ui.anywidget(...)` 包起来之后，组件的属性（trait）就变成响应式的：
    在浏览器里的一次点击（切换神经元、选一个注意力头、换一个目标类别）会让读取这个组件的单元格重新运行。
    下面的一切都只用随包发布的模型，不需要联网。
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
    # 模型卡片上的单元：在留出文件上挑选、在另一些文件上打分，按它实际做的事命名
    best = iw.zoo.card("char_lstm")["cells"]["in_string"]
    return best, lm, tr


@app.cell
def _(best, iw, mo, tr):
    neurons = mo.ui.anywidget(
        iw.NeuronText(
            tr,
            layer=best["layer"],
            neuron=int(best["neuron"]),
            title=f"字符级 LSTM：{best['name']}",
        )
    )
    neurons
    return (neurons,)


@app.cell
def _(mo, neurons, np, tr):
    # 在上面的组件里换神经元或层时，这个单元格就会重新运行。
    layer, neuron = neurons.widget.layer, neurons.widget.neuron
    values = tr.activations[layer][:, neuron]
    top = np.argsort(-values)[:5]
    where = ", ".join(f"{tr.tokens[i]!r} ({values[i]:+.2f})" for i in top)
    mo.md(f"**已选：{layer} 的神经元 {neuron}** · 激活最强的位置：{where}")
    return


@app.cell
def _(iw, lm, mo):
    from interpwidgets.zoo.corpus import held_out_sample

    # 模型训练时从未见过的代码；把鼠标移到字符上看它的预测，滚动文本时，
    # 神经元 × 位置的热图会跟着变（按需从 Python 取数据）。
    explorer = mo.ui.anywidget(
        iw.NeuronExplorer(iw.trace(lm, held_out_sample(1500)), layer="rnn.1.h", title="全部神经元")
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
            title="all-MiniLM-L6-v2，6 层 × 12 个头",
        )
    )
    heads
    return (heads,)


@app.cell
def _(heads, mo):
    mo.md(
        f"**注意力：** {heads.widget.view} 视图，第 {heads.widget.layer} 层，"
        f"第 {heads.widget.head} 个头"
    )
    return


@app.cell
def _(iw, mo):
    clf, ctok = iw.zoo.sentiment()
    review = "A moving, beautifully acted film, though the ending drags."
    attribution = iw.attribute(clf, review, tokenizer=ctok, all_targets=True, n_steps=32)
    why = mo.ui.anywidget(iw.AttributionText(attribution, title="为什么是这个情感？"))
    why
    return (why,)


@app.cell
def _(mo, why):
    w = why.widget
    mo.md(f"**正在解释：** {w.labels[w.target]}（预测：{w.labels[w.predicted]}）")
    return


if __name__ == "__main__":
    app.run()
