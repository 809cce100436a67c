using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

// The pixel operations of WebUI's inpainting are PIL's. The pipeline takes them as delegates so a caller with a
// PIL-exact implementation can plug it in; the defaults are torch approximations (see TorchImageResize, MaskedFill).

/// <summary>
/// WebUI's <c>images.resize_image(mode, image, width, height)</c> on uint8 [C,H,W] (C = 1 for a mask, 3 for RGB),
/// giving uint8 [C,height,width] on the same device.
/// </summary>
public delegate Tensor WebUiImageResize(Tensor image, WebUiResizeMode mode, int width, int height);

/// <summary>
/// WebUI's <c>masking.fill(image, mask)</c>: RGB uint8 [3,H,W] whose pixels under the mask (uint8 [H,W], 255 = masked)
/// are replaced by blurred surrounding colour; uint8 [3,H,W].
/// </summary>
public delegate Tensor MaskedFillOperation(Tensor image, Tensor mask);

/// <summary>
/// WebUI's <c>apply_overlay</c> with the overlay built from the original: the original uint8 [3,H,W] pasted back over the
/// generated uint8 [3,H,W] where the overlay mask (uint8 [H,W]) is low; mask 0 gives the original, 255 the generated pixel.
/// </summary>
public delegate Tensor OverlayComposite(Tensor original, Tensor generated, Tensor overlayMask);
