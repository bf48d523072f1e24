using System.Reflection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Host.Cli;

/// <summary>
/// Maps exceptions to exit codes and messages. User errors (<see cref="WasmGraphException"/>, bad configuration, bad
/// command lines) exit 2 with one red line and no stack trace; anything else is our bug, exits 1, and shows the stack
/// only with --verbose or WASMGRAPH_DEBUG=1, so a user sees a short report and a developer can ask for more. Messages
/// quote names from models, modules and command lines, so every one is printed through <see cref="Text"/>: control
/// characters escaped (a crafted name cannot drive the terminal) and markup escaped.
/// </summary>
public static class ErrorReporter
{
    public const int Ok = 0;
    public const int InternalError = 1;
    public const int UserError = 2;
    public const int Interrupted = 130;

    public static int Report(Exception exception, IAnsiConsole error, bool verbose)
    {
        var e = Unwrap(exception);
        switch (e)
        {
            case WasmGraphException user:
                error.MarkupLine($"[red]error:[/] {Text(user.Message)}");
                return UserError;
            case OptionsValidationException invalid:
                error.MarkupLine("[red]error:[/] invalid configuration:");
                foreach (var failure in invalid.Failures)
                {
                    error.MarkupLine($"  - {Text(failure)}");
                }
                return UserError;
            case CommandAppException usage:
                error.MarkupLine($"[red]error:[/] {Text(usage.Message)}");
                if (usage.Pretty is { } pretty && verbose)
                {
                    error.Write(pretty);
                }
                error.MarkupLine("[grey]see 'wasmgraph --help' or 'wasmgraph <verb> --help'[/]");
                return UserError;
            case OperationCanceledException:
                error.MarkupLine("[yellow]interrupted[/]: stopped before finishing; no output was written");
                return Interrupted;
            case ComponentFailureException failure:
                var cause = failure.InnerException ?? failure;
                error.MarkupLine($"[red]internal error in {Text(failure.Kind)} '{Text(failure.Component)}' " +
                                 $"(plugin {Text(failure.Plugin)}):[/] {Text(cause.GetType().FullName ?? cause.GetType().Name)}: {Text(cause.Message)}");
                ShowStack(cause, error, verbose);
                return InternalError;
            default:
                error.MarkupLine($"[red]internal error:[/] {Text(e.GetType().FullName ?? e.GetType().Name)}: {Text(e.Message)}");
                ShowStack(e, error, verbose);
                return InternalError;
        }
    }

    /// <summary>An untrusted part of an error line, safe to print: control characters escaped, then markup escaped.</summary>
    private static string Text(string? text) => Markup.Escape(Format.ControlFree(text));

    private static void ShowStack(Exception e, IAnsiConsole error, bool verbose)
    {
        if (verbose || Environment.GetEnvironmentVariable("WASMGRAPH_DEBUG") == "1")
        {
            error.WriteLine(Format.ControlFree(e.ToString()));
        }
        else
        {
            error.MarkupLine("[grey](run with --verbose or WASMGRAPH_DEBUG=1 for the stack trace)[/]");
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    break;
                case AggregateException aggregate when aggregate.InnerExceptions.Count == 1:
                    e = aggregate.InnerExceptions[0];
                    break;
                case CommandRuntimeException { InnerException: { } inner } when inner is WasmGraphException or OptionsValidationException:
                    e = inner;
                    break;
                default:
                    return e;
            }
        }
    }
}
