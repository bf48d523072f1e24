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
/// only with --verbose or WASMGRAPH_DEBUG=1, so a user sees a short report and a developer can ask for more.
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
                error.MarkupLine($"[red]error:[/] {Markup.Escape(user.Message)}");
                return UserError;
            case OptionsValidationException invalid:
                error.MarkupLine("[red]error:[/] invalid configuration:");
                foreach (var failure in invalid.Failures)
                {
                    error.MarkupLine($"  - {Markup.Escape(failure)}");
                }
                return UserError;
            case CommandAppException usage:
                error.MarkupLine($"[red]error:[/] {Markup.Escape(usage.Message)}");
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
                error.MarkupLine($"[red]internal error in {Markup.Escape(failure.Kind)} '{Markup.Escape(failure.Component)}' " +
                                 $"(plugin {Markup.Escape(failure.Plugin)}):[/] {Markup.Escape(cause.GetType().FullName ?? cause.GetType().Name)}: {Markup.Escape(cause.Message)}");
                ShowStack(cause, error, verbose);
                return InternalError;
            default:
                error.MarkupLine($"[red]internal error:[/] {Markup.Escape(e.GetType().FullName ?? e.GetType().Name)}: {Markup.Escape(e.Message)}");
                ShowStack(e, error, verbose);
                return InternalError;
        }
    }

    private static void ShowStack(Exception e, IAnsiConsole error, bool verbose)
    {
        if (verbose || Environment.GetEnvironmentVariable("WASMGRAPH_DEBUG") == "1")
        {
            error.WriteLine(e.ToString());
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
