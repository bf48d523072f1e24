using System.Diagnostics;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Builds two plugins the way an outside developer would: a separate project in a temp folder that references only the
/// built WasmGraph.Abstractions.dll (Private=false). "ToyKit" has a frontend for a tiny text format, two passes and a
/// backend that writes a module holding just the metadata section; "Broken" has a factory that throws. Built once for
/// all tests that use them. Three more are built outside <see cref="PluginsDirectory"/>, for tests that put together a
/// folder of their own (<see cref="Compose"/>): "Shadow" has a pass named like a built-in one (fold-constants) and one
/// named like ToyKit's (count-nodes); "BadNames" has passes with an empty, blank, control-character and non-kebab-case
/// name next to a valid one; "Nulls" has components that return null or throw from every member the host calls.
/// </summary>
public sealed class ThirdPartyPlugins : IDisposable
{
    private readonly TempDirectory _root = TestPaths.NewTempDirectory();

    public ThirdPartyPlugins()
    {
        // An empty Directory.Build.props stops MSBuild from picking up anything above the temp folder.
        File.WriteAllText(_root.File("Directory.Build.props"), "<Project />");
        Build("ToyKit", ToyKitSource, PluginsDirectory);
        Build("Broken", BrokenSource, PluginsDirectory);
        Build("Shadow", ShadowSource, ExtraDirectory);
        Build("BadNames", BadNamesSource, ExtraDirectory);
        Build("Nulls", NullsSource, ExtraDirectory);
    }

    public string PluginsDirectory => Path.Combine(_root.Path, "plugins");

    private string ExtraDirectory => Path.Combine(_root.Path, "extra");

    /// <summary>
    /// A plugins folder in <paramref name="directory"/> holding copies of the named plugins: the ones built here, or the
    /// host's own (Passes.Core, Runtimes.Wasmtime, …) from artifacts/host/plugins.
    /// </summary>
    public string Compose(string directory, params string[] plugins)
    {
        var target = Path.Combine(directory, "plugins");
        foreach (var plugin in plugins)
        {
            var source = new[] { PluginsDirectory, ExtraDirectory, TestPaths.PluginsDirectory }
                .Select(d => Path.Combine(d, plugin))
                .First(Directory.Exists);
            foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            {
                var copy = Path.Combine(target, plugin, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }
        }
        return target;
    }

    /// <summary>A model in ToyKit's format: the number of Relu nodes to chain.</summary>
    public string WriteToyModel(string directory, int relus)
    {
        var path = Path.Combine(directory, "model.toy");
        File.WriteAllText(path, relus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return path;
    }

    public void Dispose() => _root.Dispose();

    private void Build(string name, string source, string outputRoot)
    {
        var project = Path.Combine(_root.Path, "src", name);
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, name + ".cs"), source);
        File.WriteAllText(Path.Combine(project, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <EnableDynamicLoading>true</EnableDynamicLoading>
                <OutputPath>{Path.Combine(outputRoot, name)}/</OutputPath>
                <AppendTargetFrameworkToOutputPath>false</AppendTargetFrameworkToOutputPath>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="WasmGraph.Abstractions">
                  <HintPath>{TestPaths.AbstractionsDll}</HintPath>
                  <Private>false</Private>
                </Reference>
                <PackageReference Include="Microsoft.Extensions.DependencyInjection.Abstractions" Version="10.0.0" ExcludeAssets="runtime" />
                <PackageReference Include="Microsoft.Extensions.Configuration.Abstractions" Version="10.0.0" ExcludeAssets="runtime" />
              </ItemGroup>
            </Project>
            """);
        HostProcess.DotnetBuild(project, $"the {name} plugin");
    }

    private const string ToyKitSource = """
        using System.Collections.Immutable;
        using System.Text;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WasmGraph.Abstractions.Ir;
        using WasmGraph.Abstractions.Plugins;

        namespace ToyKit;

        public sealed class ToyKitFactory : IPluginFactory
        {
            public void Configure(IServiceCollection services, IConfiguration configuration)
            {
                services.AddSingleton<IFrontend, ToyFrontend>();
                services.AddSingleton<IPass, CountNodesPass>();
                services.AddSingleton<IPass, NeedsCountPass>();
                services.AddSingleton<IBackend, ToyBackend>();
            }
        }

        /// <summary>A ".toy" file holds one number: how many Relu nodes to chain after input x: float32[1,4].</summary>
        public sealed class ToyFrontend : IFrontend
        {
            public string Name => "toy";
            public string Description => "Toy models: a chain of Relu nodes";
            public bool CanLoad(string path) => path.EndsWith(".toy", StringComparison.Ordinal);

            public Graph Load(Stream stream, FrontendOptions options)
            {
                int count = int.Parse(new StreamReader(stream).ReadToEnd().Trim());
                var type = new TensorType(DataType.Float32, new Shape(1, 4));
                var b = new GraphBuilder("toy");
                var value = b.AddInput("x", type);
                for (int i = 0; i < count; i++)
                {
                    value = b.AddNode("Relu", new[] { value }, new[] { ($"r{i}", type) }, name: $"relu{i}").Outputs[0];
                }
                b.Outputs.Add(value);
                return b.Build();
            }
        }

        /// <summary>Writes the node count to the file named by its option "Output"; throws when option "Throw" is set.</summary>
        public sealed class CountNodesPass : IPass
        {
            public string Name => "count-nodes";
            public string Description => "Counts nodes into a file";

            public Graph Run(Graph graph, PassContext context)
            {
                if (context.Options["Throw"] == "true")
                {
                    throw new InvalidOperationException("count-nodes was told to throw");
                }
                var output = context.Options["Output"] ?? throw new InvalidOperationException("count-nodes needs the option Output");
                File.WriteAllText(output, graph.Nodes.Length.ToString());
                context.Statistics["nodes"] = graph.Nodes.Length;
                return graph with { Metadata = graph.Metadata.SetItem("count-nodes", graph.Nodes.Length.ToString()) };
            }
        }

        public sealed class NeedsCountPass : IPass
        {
            public string Name => "needs-count";
            public string Description => "Requires count-nodes before it";
            public IReadOnlyList<string> Requires => new[] { "count-nodes" };
            public Graph Run(Graph graph, PassContext context) => graph;
        }

        /// <summary>"Compiles" to a module holding only the wasmgraph.meta custom section.</summary>
        public sealed class ToyBackend : IBackend
        {
            public string Name => "toy-backend";
            public string Description => "Writes metadata only";
            public IReadOnlySet<string> SupportedOps { get; } = new HashSet<string> { "Relu" };

            public bool IsOpSupported(Node node, Graph graph, out string? reason)
            {
                reason = node.Op == "Relu" ? null : "toy-backend only knows Relu";
                return reason is null;
            }

            public Artifact Compile(Graph graph, BackendOptions options)
            {
                var meta = ModelMetadata.For(graph) with { Hints = ImmutableDictionary<string, string>.Empty.Add("opt_level", options.OptLevel.ToString()) };
                var name = Encoding.UTF8.GetBytes(ModuleAbi.MetadataSection);
                var json = Encoding.UTF8.GetBytes(meta.ToJson());
                var payload = new List<byte>();
                payload.AddRange(Leb(name.Length));
                payload.AddRange(name);
                payload.AddRange(json);
                var module = new List<byte> { 0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0, 0 };
                module.AddRange(Leb(payload.Count));
                module.AddRange(payload);
                return new Artifact(module.ToArray(), meta, "wasm");
            }

            private static IEnumerable<byte> Leb(int value)
            {
                do
                {
                    byte b = (byte)(value & 0x7F);
                    value >>= 7;
                    yield return value == 0 ? b : (byte)(b | 0x80);
                }
                while (value != 0);
            }
        }
        """;

    private const string BrokenSource = """
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WasmGraph.Abstractions.Plugins;

        namespace Broken;

        public sealed class BrokenFactory : IPluginFactory
        {
            public void Configure(IServiceCollection services, IConfiguration configuration)
                => throw new InvalidOperationException("the broken plugin always fails");
        }
        """;

    private const string ShadowSource = """
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WasmGraph.Abstractions.Ir;
        using WasmGraph.Abstractions.Plugins;

        namespace Shadow;

        public sealed class ShadowFactory : IPluginFactory
        {
            public void Configure(IServiceCollection services, IConfiguration configuration)
            {
                services.AddSingleton<IPass, ShadowFoldConstants>();
                services.AddSingleton<IPass, ShadowCountNodes>();
            }
        }

        public sealed class ShadowFoldConstants : IPass
        {
            public string Name => "fold-constants";
            public string Description => "Does nothing, under the built-in pass's name";
            public Graph Run(Graph graph, PassContext context) => graph;
        }

        public sealed class ShadowCountNodes : IPass
        {
            public string Name => "count-nodes";
            public string Description => "Does nothing, under ToyKit's pass's name";
            public Graph Run(Graph graph, PassContext context) => graph;
        }
        """;

    private const string BadNamesSource = """
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WasmGraph.Abstractions.Ir;
        using WasmGraph.Abstractions.Plugins;

        namespace BadNames;

        public sealed class BadNamesFactory : IPluginFactory
        {
            public void Configure(IServiceCollection services, IConfiguration configuration)
            {
                foreach (var name in new[] { "", "   ", "evil\u001b[31mred", "Fold_Constants", "trailing-newline\n", "fine-pass" })
                {
                    services.AddSingleton<IPass>(new NamedPass(name));
                }
            }
        }

        public sealed class NamedPass : IPass
        {
            public NamedPass(string name) => Name = name;
            public string Name { get; }
            public string Description => "A pass with a given name";
            public Graph Run(Graph graph, PassContext context) => graph;
        }
        """;

    private const string NullsSource = """
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WasmGraph.Abstractions.Ir;
        using WasmGraph.Abstractions.Plugins;

        namespace Nulls;

        public sealed class NullsFactory : IPluginFactory
        {
            public void Configure(IServiceCollection services, IConfiguration configuration)
            {
                services.AddSingleton<IPass, ReturnsNullPass>();
                services.AddSingleton<IPass, ThrowingRequiresPass>();
                services.AddSingleton<IBackend, ReturnsNullBackend>();
                services.AddSingleton<IRuntime, ReturnsNullRuntime>();
                services.AddSingleton<IRuntime, ThrowingRuntime>();
            }
        }

        public sealed class ReturnsNullPass : IPass
        {
            public string Name => "return-null";
            public string Description => "Returns null instead of a graph";
            public Graph Run(Graph graph, PassContext context) => null!;
        }

        public sealed class ThrowingRequiresPass : IPass
        {
            public string Name => "bad-requires";
            public string Description => "Throws when asked what it requires";
            public IReadOnlyList<string> Requires => throw new NotSupportedException("bad-requires cannot say what it needs");
            public Graph Run(Graph graph, PassContext context) => graph;
        }

        public sealed class ReturnsNullBackend : IBackend
        {
            public string Name => "null-backend";
            public string Description => "Returns a null artifact";
            public IReadOnlySet<string> SupportedOps { get; } = new HashSet<string> { "Relu" };
            public bool IsOpSupported(Node node, Graph graph, out string? reason)
            {
                reason = null;
                return true;
            }
            public Artifact Compile(Graph graph, BackendOptions options) => null!;
        }

        public sealed class ReturnsNullRuntime : IRuntime
        {
            public string Name => "null-runtime";
            public string Description => "Loads nothing";
            public IModelSession Load(byte[] module, RuntimeOptions options) => null!;
        }

        public sealed class ThrowingRuntime : IRuntime
        {
            public string Name => "throwing-runtime";
            public string Description => "Throws from Load";
            public IModelSession Load(byte[] module, RuntimeOptions options) => throw new InvalidOperationException("throwing-runtime always throws");
        }
        """;
}

[CollectionDefinition(Name)]
public sealed class ThirdPartyPluginCollection : ICollectionFixture<ThirdPartyPlugins>
{
    public const string Name = "third-party plugins";
}
