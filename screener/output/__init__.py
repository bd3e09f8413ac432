"""Everything screener shows or hands on: tables, grids, rows, files, charts, text.

One formatting module (`format`) and one column fitter (`fit`) serve every renderer.
Nothing here is imported at package level, so `screener.output.format` stays cheap
enough for the rule engine to use.
"""
