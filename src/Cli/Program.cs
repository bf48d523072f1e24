using WasmGraph.Host.Cli;
using WasmGraph.Host.Hosting;

// WasmGraph's command-line host: the CLI verbs live in Cli/, the generic host and plugin loading in Hosting/ and Plugins/.
// Ctrl-C and SIGTERM cancel the running command (see Interrupts); the exit code then says which signal it was.
using var interrupts = Interrupts.Register();
int exitCode = await WasmGraphCli.RunAsync(args, cancellation: interrupts.Token).ConfigureAwait(false);
return exitCode == ErrorReporter.Interrupted && interrupts.ExitCode is { } signalled ? signalled : exitCode;
