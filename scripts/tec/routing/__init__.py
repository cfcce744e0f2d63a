"""Routing: score a task's complexity 0-10 and recommend the cheapest tier that will do it well.

`scoring` runs in the hooks (standard library only); `recommend` adds the tier's model and the
estimated cost; `batch` routes many tasks at once.
"""
