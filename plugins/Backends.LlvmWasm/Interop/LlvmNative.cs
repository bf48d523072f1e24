using System.Reflection;
using System.Runtime.InteropServices;

namespace WasmGraph.Backends.LlvmWasm.Interop;

/// <summary>
/// Raw bindings to the LLVM 19 C API (Debian's libllvm19). Handles are <c>nint</c>, LLVMBool is <c>int</c>, and
/// returned messages are <c>nint</c> to be freed with <see cref="LLVMDisposeMessage"/>. Nothing outside the Interop
/// folder calls these directly: the owning wrappers in this folder do.
/// </summary>
internal static unsafe partial class LlvmNative
{
    private const string Lib = "LLVM-19";

    /// <summary>Debian installs the library under versioned names; try them in order.</summary>
    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1",
        "/usr/lib/x86_64-linux-gnu/libLLVM-19.so",
        "/usr/lib/llvm-19/lib/libLLVM.so.19.1",
        "/usr/lib/aarch64-linux-gnu/libLLVM.so.19.1",
        "libLLVM.so.19.1",
        "libLLVM-19.so",
    ];

    static LlvmNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(LlvmNative).Assembly, Resolve);
    }

    /// <summary>Forces the static constructor (and so the resolver) to run before any import is bound.</summary>
    internal static void EnsureResolver() { }

    /// <summary>The first candidate that loads, or 0; tried once.</summary>
    private static readonly Lazy<nint> Library = new(() =>
        Candidates.Select(c => NativeLibrary.TryLoad(c, out var handle) ? handle : 0).FirstOrDefault(h => h != 0));

    /// <summary>Whether libLLVM 19 is installed (<see cref="Toolchain"/> asks before a compile starts).</summary>
    internal static bool IsAvailable => Library.Value != 0;

    /// <summary>The version of the LLVM library this process loaded ("19.1.7"), from LLVMGetVersion (LLVM-C 16+).</summary>
    internal static string LibraryVersion()
    {
        EnsureResolver();
        LLVMGetVersion(out uint major, out uint minor, out uint patch);
        return $"{major}.{minor}.{patch}";
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib)
        {
            return 0;
        }
        if (Library.Value != 0)
        {
            return Library.Value;
        }
        throw new DllNotFoundException("LLVM 19 was not found (looked for libLLVM.so.19.1). Install it with: apt-get install -y libllvm19");
    }

    // Library
    [LibraryImport(Lib)] internal static partial void LLVMGetVersion(out uint major, out uint minor, out uint patch);

    // Context, module
    [LibraryImport(Lib)] internal static partial nint LLVMContextCreate();
    [LibraryImport(Lib)] internal static partial void LLVMContextDispose(nint ctx);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMModuleCreateWithNameInContext(string name, nint ctx);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeModule(nint module);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial void LLVMSetTarget(nint module, string triple);
    [LibraryImport(Lib)] internal static partial void LLVMSetModuleDataLayout(nint module, nint layout);
    [LibraryImport(Lib)] internal static partial nint LLVMPrintModuleToString(nint module);
    [LibraryImport(Lib)] internal static partial int LLVMVerifyModule(nint module, int action, out nint message);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeMessage(nint message);

    // Types
    [LibraryImport(Lib)] internal static partial nint LLVMFloatTypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMDoubleTypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMInt1TypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMInt8TypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMInt16TypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMInt32TypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMInt64TypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMVoidTypeInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial nint LLVMPointerTypeInContext(nint ctx, uint addressSpace);
    [LibraryImport(Lib)] internal static partial nint LLVMVectorType(nint element, uint count);
    [LibraryImport(Lib)] internal static partial nint LLVMArrayType2(nint element, ulong count);
    [LibraryImport(Lib)] internal static partial nint LLVMFunctionType(nint ret, nint* parameters, uint count, int isVarArg);
    [LibraryImport(Lib)] internal static partial nint LLVMTypeOf(nint value);

    // Constants
    [LibraryImport(Lib)] internal static partial nint LLVMConstInt(nint type, ulong value, int signExtend);
    [LibraryImport(Lib)] internal static partial nint LLVMConstReal(nint type, double value);
    [LibraryImport(Lib)] internal static partial nint LLVMConstNull(nint type);
    [LibraryImport(Lib)] internal static partial nint LLVMGetPoison(nint type);
    [LibraryImport(Lib)] internal static partial nint LLVMConstStringInContext(nint ctx, byte* bytes, uint length, int dontNullTerminate);
    [LibraryImport(Lib)] internal static partial nint LLVMConstArray2(nint elementType, nint* values, ulong count);
    [LibraryImport(Lib)] internal static partial nint LLVMConstVector(nint* values, uint count);
    [LibraryImport(Lib)] internal static partial nint LLVMConstInBoundsGEP2(nint type, nint pointer, nint* indices, uint count);

    // Globals and functions
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMAddGlobal(nint module, nint type, string name);
    [LibraryImport(Lib)] internal static partial void LLVMSetInitializer(nint global, nint value);
    [LibraryImport(Lib)] internal static partial void LLVMSetGlobalConstant(nint global, int isConstant);
    [LibraryImport(Lib)] internal static partial void LLVMSetLinkage(nint global, int linkage);
    [LibraryImport(Lib)] internal static partial void LLVMSetAlignment(nint valueOrInstruction, uint bytes);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMAddFunction(nint module, string name, nint functionType);
    [LibraryImport(Lib)] internal static partial nint LLVMGetParam(nint function, uint index);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMAppendBasicBlockInContext(nint ctx, nint function, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial uint LLVMGetEnumAttributeKindForName(string name, nuint length);
    [LibraryImport(Lib)] internal static partial nint LLVMCreateEnumAttribute(nint ctx, uint kind, ulong value);
    [LibraryImport(Lib)] internal static partial void LLVMAddAttributeAtIndex(nint function, uint index, nint attribute);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMCreateStringAttribute(nint ctx, string key, uint keyLength, string value, uint valueLength);

    // Builder
    [LibraryImport(Lib)] internal static partial nint LLVMCreateBuilderInContext(nint ctx);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeBuilder(nint builder);
    [LibraryImport(Lib)] internal static partial void LLVMPositionBuilderAtEnd(nint builder, nint block);
    [LibraryImport(Lib)] internal static partial nint LLVMGetInsertBlock(nint builder);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildRetVoid(nint builder);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildRet(nint builder, nint value);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildBr(nint builder, nint block);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildCondBr(nint builder, nint condition, nint then, nint otherwise);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildSwitch(nint builder, nint value, nint otherwise, uint caseCount);
    [LibraryImport(Lib)] internal static partial void LLVMAddCase(nint switchInstruction, nint onValue, nint destination);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildPhi(nint builder, nint type, string name);
    [LibraryImport(Lib)] internal static partial void LLVMAddIncoming(nint phi, nint* values, nint* blocks, uint count);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildICmp(nint builder, int predicate, nint lhs, nint rhs, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildFCmp(nint builder, int predicate, nint lhs, nint rhs, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildSelect(nint builder, nint condition, nint then, nint otherwise, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildBinOp(nint builder, int opcode, nint lhs, nint rhs, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildFNeg(nint builder, nint value, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildCast(nint builder, int opcode, nint value, nint destType, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildInBoundsGEP2(nint builder, nint type, nint pointer, nint* indices, uint count, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildLoad2(nint builder, nint type, nint pointer, string name);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildStore(nint builder, nint value, nint pointer);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildCall2(nint builder, nint functionType, nint function, nint* args, uint count, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildExtractElement(nint builder, nint vector, nint index, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildInsertElement(nint builder, nint vector, nint element, nint index, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMBuildShuffleVector(nint builder, nint v1, nint v2, nint mask, string name);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildMemSet(nint builder, nint pointer, nint value, nint length, uint align);
    [LibraryImport(Lib)] internal static partial nint LLVMBuildMemCpy(nint builder, nint dst, uint dstAlign, nint src, uint srcAlign, nint size);
    [LibraryImport(Lib)] internal static partial void LLVMSetFastMathFlags(nint instruction, uint flags);
    [LibraryImport(Lib)] internal static partial int LLVMCanValueUseFastMathFlags(nint value);

    // Intrinsics
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial uint LLVMLookupIntrinsicID(string name, nuint length);
    [LibraryImport(Lib)] internal static partial nint LLVMGetIntrinsicDeclaration(nint module, uint id, nint* parameterTypes, nuint count);
    [LibraryImport(Lib)] internal static partial nint LLVMIntrinsicGetType(nint ctx, uint id, nint* parameterTypes, nuint count);

    // Target and code generation
    [LibraryImport(Lib)] internal static partial void LLVMInitializeWebAssemblyTargetInfo();
    [LibraryImport(Lib)] internal static partial void LLVMInitializeWebAssemblyTarget();
    [LibraryImport(Lib)] internal static partial void LLVMInitializeWebAssemblyTargetMC();
    [LibraryImport(Lib)] internal static partial void LLVMInitializeWebAssemblyAsmPrinter();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int LLVMGetTargetFromTriple(string triple, out nint target, out nint message);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMCreateTargetMachine(nint target, string triple, string cpu, string features, int level, int reloc, int codeModel);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeTargetMachine(nint machine);
    [LibraryImport(Lib)] internal static partial nint LLVMCreateTargetDataLayout(nint machine);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeTargetData(nint layout);
    [LibraryImport(Lib)] internal static partial int LLVMTargetMachineEmitToMemoryBuffer(nint machine, nint module, int fileType, out nint message, out nint buffer);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int LLVMTargetMachineEmitToFile(nint machine, nint module, string filename, int fileType, out nint message);
    [LibraryImport(Lib)] internal static partial nint LLVMGetBufferStart(nint buffer);
    [LibraryImport(Lib)] internal static partial nuint LLVMGetBufferSize(nint buffer);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeMemoryBuffer(nint buffer);
    [LibraryImport(Lib)] internal static partial nint LLVMCreatePassBuilderOptions();
    [LibraryImport(Lib)] internal static partial void LLVMDisposePassBuilderOptions(nint options);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint LLVMRunPasses(nint module, string passes, nint machine, nint options);
    [LibraryImport(Lib)] internal static partial nint LLVMGetErrorMessage(nint error);
    [LibraryImport(Lib)] internal static partial void LLVMDisposeErrorMessage(nint message);
    [LibraryImport(Lib)] internal static partial void LLVMInstallFatalErrorHandler(delegate* unmanaged[Cdecl]<byte*, void> handler);

    /// <summary>Copies and frees an LLVM-owned message.</summary>
    internal static string TakeMessage(nint message)
    {
        if (message == 0)
        {
            return "";
        }
        var text = Marshal.PtrToStringUTF8(message) ?? "";
        LLVMDisposeMessage(message);
        return text;
    }
}
