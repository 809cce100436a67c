# Writes the Pillow reference images next to this script: python3 make_reference.py (Pillow 9.4.0, numpy).
# The steps are WebUI v1.10.1's PIL calls: masking.fill, the inpainting overlay of
# StableDiffusionProcessingImg2Img.init followed by apply_overlay, and Image.alpha_composite.
import os
import numpy as np
from PIL import Image, ImageFilter, ImageOps

here = os.path.dirname(os.path.abspath(__file__))
rs = np.random.RandomState(1)
H, W = 29, 37
y, x = np.mgrid[0:H, 0:W]
rgb = np.stack([(x * 7) % 256, (y * 9) % 256, ((x + y) * 5) % 256], -1).astype(np.int32)
rgb = np.clip(rgb + rs.randint(-25, 26, rgb.shape), 0, 255).astype(np.uint8)
gen = np.clip(255 - rgb.astype(np.int32) + rs.randint(-40, 41, rgb.shape), 0, 255).astype(np.uint8)
mask = np.zeros((H, W), np.uint8)
mask[8:20, 10:26] = 255
mask = np.array(Image.fromarray(mask).filter(ImageFilter.GaussianBlur(3)))  # graded edges
mask[0:3, 0:4] = 255                                                        # a hole at the border
image = Image.fromarray(rgb, 'RGB')
generated = Image.fromarray(gen, 'RGB')
m = Image.fromarray(mask, 'L')
image.save(f'{here}/image.png')
generated.save(f'{here}/generated.png')
m.save(f'{here}/mask.png')

# masking.fill(image, mask)
filled = Image.new('RGBA', (W, H))
masked = Image.new('RGBa', (W, H))
masked.paste(image.convert('RGBA').convert('RGBa'), mask=ImageOps.invert(m.convert('L')))
masked = masked.convert('RGBa')
for radius, repeats in [(256, 1), (64, 1), (16, 2), (4, 4), (2, 2), (0, 1)]:
    blurred = masked.filter(ImageFilter.GaussianBlur(radius)).convert('RGBA')
    for _ in range(repeats):
        filled.alpha_composite(blurred)
filled.convert('RGB').save(f'{here}/fill.png')

# overlay image (init) composited over the generated image (apply_overlay without paste_to)
overlay = Image.new('RGBa', (W, H))
overlay.paste(image.convert('RGBA').convert('RGBa'), mask=ImageOps.invert(m.convert('L')))
overlay = overlay.convert('RGBA')
result = generated.convert('RGBA')
result.alpha_composite(overlay)
result.convert('RGB').save(f'{here}/overlay.png')

# Image.alpha_composite of two RGBA images with random alpha (rows of alpha 0 and 255 in each)
a = np.concatenate([rgb, rs.randint(0, 256, (H, W, 1)).astype(np.uint8)], -1)
a[0, :, 3] = 0
a[1, :, 3] = 255
b = np.concatenate([gen, rs.randint(0, 256, (H, W, 1)).astype(np.uint8)], -1)
b[2, :, 3] = 0
b[3, :, 3] = 255
dst = Image.fromarray(a, 'RGBA')
src = Image.fromarray(b, 'RGBA')
dst.save(f'{here}/dst_rgba.png')
src.save(f'{here}/src_rgba.png')
composed = dst.copy()
composed.alpha_composite(src)
composed.save(f'{here}/alpha_composite.png')
