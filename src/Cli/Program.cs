using WasmGraph.Apps.Cli;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Hosting;
using WasmGraph.Serve.Cli;

// WasmGraph's command-line executable: the core CLI (src/Host: verbs in Cli/, the generic host and plugin loading in
// Hosting/ and Plugins/) with the apps' verbs (src/Apps: demo, zoo, conformance) and the inference server (src/Serve).
// Ctrl-C and SIGTERM cancel the running command (see Interrupts); the exit code then says which signal it was.
using var interrupts = Interrupts.Register();
int exitCode = await WasmGraphCli.RunAsync(args, null, [.. WasmGraphApps.Extensions, new ServeCliExtension()], interrupts.Token).ConfigureAwait(false);
return exitCode == ErrorReporter.Interrupted && interrupts.ExitCode is { } signalled ? signalled : exitCode;
