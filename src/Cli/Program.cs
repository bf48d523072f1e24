using WasmGraph.Apps.Cli;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Hosting;

// WasmGraph's command-line executable: the core CLI (src/Host: verbs in Cli/, the generic host and plugin loading in
// Hosting/ and Plugins/) with the apps' verbs (src/Apps: demo, zoo, conformance).
// Ctrl-C and SIGTERM cancel the running command (see Interrupts); the exit code then says which signal it was.
using var interrupts = Interrupts.Register();
int exitCode = await WasmGraphApps.RunAsync(args, cancellation: interrupts.Token).ConfigureAwait(false);
return exitCode == ErrorReporter.Interrupted && interrupts.ExitCode is { } signalled ? signalled : exitCode;
