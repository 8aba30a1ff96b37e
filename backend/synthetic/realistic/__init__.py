"""A realistic degradation model for restoration training (Real-ESRGAN's second-order pipeline at the same
size, plus scanner and phone-capture effects for documents), with a typed preset per domain.

``kernels`` (blur kernels), ``operations`` (filter, resize, noise, JPEG), ``capture`` (page effects),
``presets`` (the settings per domain), ``pipeline`` (``degrade``: the order and the seeding).
"""
