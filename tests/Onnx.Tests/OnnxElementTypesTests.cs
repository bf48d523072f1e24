namespace WasmGraph.Onnx.Tests;

public class OnnxElementTypesTests
{
    [Theory]
    [InlineData(1, "FLOAT", "float32", 4)]
    [InlineData(16, "BFLOAT16", "bfloat16", 2)]
    [InlineData(8, "STRING", "string", 0)]
    [InlineData(15, "COMPLEX128", "complex128", 16)]
    [InlineData(17, "FLOAT8E4M3FN", "float8e4m3fn", 0)]
    [InlineData(0, "UNDEFINED", "undefined", 0)]
    [InlineData(99, "code 99", "type 99", 0)]
    public void ItNamesAndSizesEveryCodeAFileMayDeclare(int code, string onnxName, string displayName, int bytes)
    {
        Assert.Equal(onnxName, OnnxElementTypes.OnnxName(code));
        Assert.Equal(displayName, OnnxElementTypes.DisplayName(code));
        Assert.Equal(bytes, OnnxElementTypes.ByteSize(code));
    }
}
