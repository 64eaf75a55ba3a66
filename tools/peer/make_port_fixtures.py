"""
Regenerates the test fixtures of `import` (PyTorch-port checkpoints) under
src/test/resources/port/: small models made and evaluated by the UNMODIFIED port code
(pclucas14/pixel-cnn-pp, loaded by port_loader.py), their state_dict files as torch.save writes
them, a few images and the port's own loss for each image.

    export PCNNPP_DIR=/tmp/pcnnpp    # the port's files: in a clone of pclucas14/pixel-cnn-pp (7cb4436),
                                     # git archive HEAD model.py layers.py utils.py main.py | tar -x -C $PCNNPP_DIR
    apt-get install -y python3-torch python3-numpy     # Debian's CPU torch (1.13 on Debian 12)
    PCNNPP_COMMIT=7cb4436 /usr/bin/python3 tools/peer/make_port_fixtures.py src/test/resources/port

Per case NAME (rgb: C = 3, 8x8, nr_resnet 2, nr_filters 8, nr_logistic_mix 3; gray: C = 1, 12x8
(H != W), nr_resnet 1, nr_filters 6, nr_logistic_mix 2):
  NAME.pth          torch.save(model.state_dict()) in the zip format (torch >= 1.6)
  NAME_legacy.pth   (rgb only) the same state_dict in the legacy pickle format
                    (_use_new_zipfile_serialization=False, what torch < 1.6 wrote)
  NAME_images.npy   uint8 [N, H, W, C] images (ramps, noise, some 0 and 255 sub-pixels)
  NAME_out.npy      float32 [N, H, W, P] the port's network output in eval mode, NHWC
  NAME.json         configuration, the port's loss per image (nats; its loss function on each
                    image alone) and over the batch, bits/dim, and what made the files
tiny_f64.pth        a tiny model (nr_resnet 0) converted to float64: import must refuse it.
views.pth, views_legacy.pth   an OrderedDict of strided views of one storage and an int64 tensor
                    (base = arange(40) * 0.5 - 3: permuted = base[:24].view(2,3,4).permute(2,0,1),
                    slice = base[30:36], column = base[:24].view(4,6)[:, 1], steps = arange(5)).

The port's random initialisation sets weight_g = ||weight_v|| (the effective weights equal
weight_v whatever the normalisation axis); every weight_g is multiplied by a random factor in
[0.5, 1.5] and every bias set to N(0, 0.1^2), so that the transposed convolutions' per-input-
channel normalisation (torch's weight_norm, dim 0 of [in, out, kh, kw]) matters; the output
layer's weight_g is multiplied by 4 more and its log-scale biases lowered by 1.5, so that the
mixtures are sharper and the likelihood depends on the images. Not sharper: the port's float32 loss
forms the bin probability as sigmoid(plus_in) - sigmoid(min_in), which cancels when it is near the
1e-5 threshold; with log-scales lowered by 3 (about 12 bits/dim) that alone moved the port's own
per-image loss by up to 1.6e-5 relative from the same function in float64 (recorded as
loss_per_image_nats_float64). At 1.5 that gap is below 1e-6.
"""
import collections
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import port_loader  # noqa: E402

CASES = {
    #        nr_resnet, nr_filters, nr_mix, C, H, W, N, seed
    "rgb": (2, 8, 3, 3, 8, 8, 4, 11),
    "gray": (1, 6, 2, 1, 12, 8, 3, 12),
}


def images(n, h, w, c, seed):
    rng = np.random.RandomState(seed)
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = np.zeros((n, h, w, c), dtype=np.int64)
    for i in range(n):
        for ch in range(c):
            ramp = (yy * (3 + i) + xx * (5 + ch)) * 255 // (h * (3 + i) + w * (5 + ch))
            out[i, :, :, ch] = ramp + rng.randint(-40, 41, size=(h, w))
    out = np.clip(out, 0, 255)
    out[:, 0, 0, :] = 0          # both edge branches of the likelihood
    out[:, -1, -1, :] = 255
    return out.astype(np.uint8)


def perturb(model, seed, C, M):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight_g"):
                p.mul_(0.5 + torch.rand(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        # sharper, image-dependent mixtures: larger output weights, log-scales lowered by 1.5
        model.nin_out.lin_a.weight_g.mul_(4.)
        for c in range(C):
            start = M + 3 * M * c + M if C == 3 else 2 * M
            model.nin_out.lin_a.bias[start:start + M] -= 1.5


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make(port, out_dir, name, spec, provenance):
    R, F, M, C, H, W, N, seed = spec
    torch.manual_seed(seed)
    model = port.model.PixelCNN(nr_resnet=R, nr_filters=F, nr_logistic_mix=M, input_channels=C)
    perturb(model, seed + 1000, C, M)
    model.eval()
    loss_fn = port.utils.discretized_mix_logistic_loss if C == 3 else port.utils.discretized_mix_logistic_loss_1d
    imgs = images(N, H, W, C, seed)
    # main.py's input pipeline: transforms.ToTensor() (uint8 / 255, NCHW), then rescaling (x - .5) * 2
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div(255)
    x = (x - .5) * 2.
    with torch.no_grad():
        out = model(x)
        per_image = [float(loss_fn(x[i:i + 1], out[i:i + 1]).item()) for i in range(N)]
        total = float(loss_fn(x, out).item())
        # the port's same loss function evaluated in float64 on its float32 output and input
        per_image64 = [float(loss_fn(x[i:i + 1].double(), out[i:i + 1].double()).item()) for i in range(N)]
    dims = H * W * C
    sd = model.state_dict()
    torch.save(sd, os.path.join(out_dir, name + ".pth"))
    if name == "rgb":
        torch.save(sd, os.path.join(out_dir, name + "_legacy.pth"), _use_new_zipfile_serialization=False)
    np.save(os.path.join(out_dir, name + "_images.npy"), imgs)
    np.save(os.path.join(out_dir, name + "_out.npy"), out.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32))
    meta = {
        "nr_resnet": R, "nr_filters": F, "nr_logistic_mix": M, "channels": C, "height": H, "width": W, "images": N,
        "loss_per_image_nats": per_image,
        "bits_per_dim_per_image": [v / (math.log(2) * dims) for v in per_image],
        "loss_per_image_nats_float64": per_image64,
        "loss_nats": total,
        "bits_per_dim": total / (math.log(2) * N * dims),
        "tensors": {k: {"shape": list(t.shape), "first": float(t.flatten()[0]), "last": float(t.flatten()[-1]),
                        "sum": float(t.double().sum())} for k, t in sd.items()},
        "made_by": provenance,
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("%s: %d tensors, %d parameters, port bits/dim %.6f" % (name, len(sd), sum(t.numel() for t in sd.values()),
                                                               meta["bits_per_dim"]))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_port_fixtures.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(2)
    port = port_loader.load()
    provenance = {
        "script": "tools/peer/make_port_fixtures.py",
        "port": "pclucas14/pixel-cnn-pp " + os.environ.get("PCNNPP_COMMIT", "(commit not given)") + ", unmodified",
        "port_files_sha256": {f: sha256(os.path.join(port_loader.PCNNPP_DIR, f)) for f in ("model.py", "layers.py", "utils.py")},
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    for name, spec in CASES.items():
        make(port, out_dir, name, spec, provenance)
    torch.manual_seed(13)
    tiny = port.model.PixelCNN(nr_resnet=0, nr_filters=2, nr_logistic_mix=1, input_channels=1).double()
    torch.save(tiny.state_dict(), os.path.join(out_dir, "tiny_f64.pth"))
    # views: a permuted tensor (strides), slices of one storage (offsets, a shared storage), an int64 tensor
    base = torch.arange(40, dtype=torch.float32) * 0.5 - 3
    views = collections.OrderedDict([
        ("permuted", base[:24].view(2, 3, 4).permute(2, 0, 1)),
        ("slice", base[30:36]),
        ("column", base[:24].view(4, 6)[:, 1]),
        ("steps", torch.arange(5, dtype=torch.int64)),
    ])
    torch.save(views, os.path.join(out_dir, "views.pth"))
    torch.save(views, os.path.join(out_dir, "views_legacy.pth"), _use_new_zipfile_serialization=False)
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write(README % json.dumps(provenance, indent=1))


README = """# Fixtures of `import` (PyTorch-port checkpoints)

Made by `tools/peer/make_port_fixtures.py` (see its docstring for how to run it) with the unmodified
code of the PyTorch port of PixelCNN++, pclucas14/pixel-cnn-pp; none of the port's code is in this
repository. Small random models with perturbed `weight_g` and biases, evaluated by the port in eval
mode on the CPU:

| file | what |
|---|---|
| `rgb.pth` | state_dict of a C = 3 model (nr_resnet 2, nr_filters 8, nr_logistic_mix 3), zip format |
| `rgb_legacy.pth` | the same state_dict in torch's legacy (pre-1.6) pickle format |
| `rgb_images.npy` | 4 uint8 8x8x3 images, NHWC |
| `rgb_out.npy` | the port's network output for them, float32 NHWC [4, 8, 8, 30] |
| `rgb.json` | the port's loss per image (its `discretized_mix_logistic_loss` on each image, in float32 as it runs, and the same function in float64 on the same output) and bits/dim; per tensor its shape, first and last element and sum |
| `gray.pth`, `gray_images.npy`, `gray_out.npy`, `gray.json` | C = 1 (nr_resnet 1, nr_filters 6, nr_logistic_mix 2), 3 images of 12x8 (H != W), the port's `discretized_mix_logistic_loss_1d` |
| `tiny_f64.pth` | a tiny model in float64, which `import` refuses |
| `views.pth`, `views_legacy.pth` | strided views of one storage (permuted, sliced, a column) and an int64 tensor, both formats |

Provenance:

```
%s
```
"""

if __name__ == "__main__":
    main()
