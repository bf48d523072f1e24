using static WasmGraph.Backends.LlvmWasm.Interop.LlvmNative;

namespace WasmGraph.Backends.LlvmWasm.Interop;

internal enum Linkage { External = 0, Internal = 8, Private = 9 }

/// <summary>An LLVM module: globals, functions and intrinsic declarations. Dispose before its context.</summary>
internal sealed unsafe class LlvmModule : IDisposable
{
    private readonly OwnedHandle _handle;
    private readonly Dictionary<string, (LValue Function, LType Type)> _intrinsics = new();

    public LlvmModule(LlvmContext context, string name)
    {
        Context = context;
        _handle = new OwnedHandle(LLVMModuleCreateWithNameInContext(name, context.Handle), LLVMDisposeModule, "LLVM module");
    }

    public LlvmContext Context { get; }

    internal nint Handle => _handle.Value;

    public LValue AddGlobal(string name, LType type, LValue? initializer, bool isConstant, Linkage linkage, int alignment)
    {
        var g = new LValue(LLVMAddGlobal(Handle, type.Handle, name));
        if (initializer is { } init)
        {
            LLVMSetInitializer(g.Handle, init.Handle);
        }
        LLVMSetGlobalConstant(g.Handle, isConstant ? 1 : 0);
        LLVMSetLinkage(g.Handle, (int)linkage);
        LLVMSetAlignment(g.Handle, (uint)alignment);
        return g;
    }

    public LValue AddFunction(string name, LType functionType, Linkage linkage)
    {
        var f = new LValue(LLVMAddFunction(Handle, name, functionType.Handle));
        LLVMSetLinkage(f.Handle, (int)linkage);
        return f;
    }

    /// <summary>Adds an enum attribute (e.g. "noalias", "nocapture") to a parameter (index ≥ 1) or the function (index ~0u).</summary>
    public void AddAttribute(LValue function, uint index, string attribute)
    {
        uint kind = LLVMGetEnumAttributeKindForName(attribute, (nuint)attribute.Length);
        if (kind == 0)
        {
            throw new InvalidOperationException($"LLVM has no attribute named '{attribute}'");
        }
        LLVMAddAttributeAtIndex(function.Handle, index, LLVMCreateEnumAttribute(Context.Handle, kind, 0));
    }

    /// <summary>Adds a string attribute (e.g. "no-builtins") to a parameter (index ≥ 1) or the function (index ~0u).</summary>
    public void AddStringAttribute(LValue function, uint index, string key, string value = "")
        => LLVMAddAttributeAtIndex(function.Handle, index, LLVMCreateStringAttribute(Context.Handle, key, (uint)key.Length, value, (uint)value.Length));

    /// <summary>Declares (once) an overloaded intrinsic such as llvm.fabs for the given overload types.</summary>
    public (LValue Function, LType Type) Intrinsic(string name, params LType[] overloads)
    {
        var key = name + string.Concat(overloads.Select(o => "." + o.Handle));
        if (_intrinsics.TryGetValue(key, out var found))
        {
            return found;
        }
        uint id = LLVMLookupIntrinsicID(name, (nuint)name.Length);
        if (id == 0)
        {
            throw new InvalidOperationException($"LLVM has no intrinsic named '{name}'");
        }
        var types = overloads.Select(o => o.Handle).ToArray();
        fixed (nint* p = types)
        {
            var fn = new LValue(LLVMGetIntrinsicDeclaration(Handle, id, p, (nuint)types.Length));
            var ty = new LType(LLVMIntrinsicGetType(Context.Handle, id, p, (nuint)types.Length));
            return _intrinsics[key] = (fn, ty);
        }
    }

    public string Print() => TakeMessage(LLVMPrintModuleToString(Handle));

    /// <summary>Runs LLVM's verifier; returns null when the module is well formed.</summary>
    public string? Verify()
    {
        int broken = LLVMVerifyModule(Handle, 2 /* return status */, out var message);
        var text = TakeMessage(message);
        return broken != 0 ? text : null;
    }

    public void Dispose() => _handle.Dispose();
}
