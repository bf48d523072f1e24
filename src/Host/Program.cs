using WasmGraph.Host.Cli;

// WasmGraph's command-line host: the CLI verbs live in Cli/, the generic host and plugin loading in Hosting/ and Plugins/.
return await WasmGraphCli.RunAsync(args).ConfigureAwait(false);
