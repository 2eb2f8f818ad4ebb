"""A throwaway Solara app for the browser-harness smoke test: a button that counts clicks."""

import solara

clicks = solara.reactive(0)


@solara.component
def Page():
    with solara.Column(style={"padding": "24px"}):
        solara.Markdown("## Harness smoke test")
        solara.Button(
            f"Clicked {clicks.value} times",
            color="primary",
            on_click=lambda: clicks.set(clicks.value + 1),
        )
        solara.Text(f"count={clicks.value}", classes=["smoke-count"])
