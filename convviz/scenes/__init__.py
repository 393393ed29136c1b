"""The Manim scenes, one module per family; every number they draw comes from
:mod:`convviz.scene_data`.

Importing a scene module imports Manim. ``convviz.render.SCENES`` maps each scene
name to its module here; the top-level ``scenes/*.py`` files of a source checkout
only re-export these classes so that ``manim -ql scenes/<file>.py <Scene>`` works.
"""
from .._extras import require_extras

require_extras("convviz.scenes", "scenes")     # Manim itself is imported by each scene module
