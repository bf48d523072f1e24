using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>DFT (opset 17 with an axis attribute, 20+ with an axis input) and STFT; lengths and axes must be constants.</summary>
internal static class SpectralImporters
{
    public static void Dft(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        long axis = opset < 20
            ? node.Attributes.Int("axis", 1)
            : context.OptionalParameter(node, 2, "axis")?.ToInt64Array()[0] ?? -2;
        if (axis < 0)
        {
            axis += x.Rank;
        }
        if (axis < 0 || axis > x.Rank - 2)
        {
            throw context.Error(node, $"axis {axis} is outside the signal axes of {x}");
        }
        long length = context.OptionalParameter(node, 1, "dft_length")?.ToInt64Array()[0] ?? x[(int)axis];
        bool inverse = node.Attributes.Int("inverse", 0) != 0;
        bool onesided = node.Attributes.Int("onesided", 0) != 0;
        if (onesided && (inverse || x[x.Rank - 1] == 2))
        {
            throw context.Unsupported(node, "onesided output of an inverse or complex-input DFT");
        }
        var attributes = IrAttributes.Empty
            .With("axis", axis)
            .With("dft_length", length)
            .With("inverse", inverse ? 1L : 0L)
            .With("onesided", onesided ? 1L : 0L);
        context.Emit(node, "DFT", [context.Input(node, 0)], [context.FirstOutput(node)], attributes);
    }

    /// <summary>STFT: IR inputs are the signal and the optional window; frame_step and frame_length become attributes.</summary>
    public static void Stft(OnnxNode node, int opset, ImportContext context)
    {
        long step = context.OptionalParameter(node, 1, "frame_step")?.ToInt64Array()[0] ?? throw context.Error(node, "input 'frame_step' is required");
        long? frame = context.OptionalParameter(node, 3, "frame_length")?.ToInt64Array()[0];
        long? window = node.HasInput(2) ? context.InputShape(node, 2)[0] : null;
        if (frame is { } f && window is { } w && f != w)
        {
            throw context.Error(node, $"frame_length {f} differs from the window length {w}");
        }
        long length = frame ?? window ?? throw context.Error(node, "needs a window or a frame_length");
        var attributes = IrAttributes.Empty
            .With("frame_step", step)
            .With("frame_length", length)
            .With("onesided", node.Attributes.Int("onesided", 1));
        var inputs = node.HasInput(2) ? new[] { context.Input(node, 0), context.Input(node, 2) } : [context.Input(node, 0)];
        context.Emit(node, "STFT", inputs, [context.FirstOutput(node)], attributes);
    }
}
