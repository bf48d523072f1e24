using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace WasmGraph.Host.Hosting;

/// <summary>
/// Turns Ctrl-C (SIGINT) and SIGTERM into cancellation of the running command, so a compile stops at its next check,
/// deletes its temporary files and exits 130 (SIGINT) or 143 (SIGTERM) without writing a partial module. A second
/// Ctrl-C is not intercepted: the runtime's default handling ends the process at once, for a user who will not wait.
/// <para>
/// The generic host's own <c>ConsoleLifetime</c> would swallow these signals (it cancels them and stops an
/// application nobody waits on, so a compile ran to completion after Ctrl-C); <see cref="CommandLifetime"/> replaces it.
/// </para>
/// <para>
/// The token reaches every long step, including wasm that is running (<c>RuntimeOptions.Cancellation</c>: the runtime
/// stops the call at its next loop back-edge). Before it did, a run ignored both signals once its module was in
/// <c>wg_run</c>, and SIGINT looked intermittent because it was honoured only when it arrived earlier (while the host
/// or module loaded). Two cases remain outside this class, by design: a signal in the first milliseconds, before
/// <see cref="Register"/> runs, takes the default action (the process ends with the same 130/143 status, without the
/// message); and a process that starts with SIGINT ignored, as a non-interactive shell starts a background job
/// (<c>cmd &amp;</c>), keeps ignoring it: .NET honours that POSIX convention so that the terminal's Ctrl-C for the script
/// does not reach its background jobs. Scripts stop a run with SIGTERM (or start it with <c>env --default-signal=INT</c>).
/// </para>
/// </summary>
public sealed class Interrupts : IDisposable
{
    public const int SigIntExitCode = 130;
    public const int SigTermExitCode = 143;

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    private Interrupts()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Cancelled when the first SIGINT or SIGTERM arrives.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The conventional exit code for the signal that arrived (128 + its number), or null if none did.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>
    /// <see cref="ExitCode"/> of the process's registration, for code that must end the process itself from deep
    /// inside a command (<see cref="RunWatchdog"/>) and cannot be handed the instance. One process, one registration.
    /// </summary>
    public static int? LastSignalExitCode { get; private set; }

    public static Interrupts Register() => new();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _source.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        if (ExitCode is not null)
        {
            return; // a second signal: let the default action end the process
        }
        ExitCode = context.Signal == PosixSignal.SIGTERM ? SigTermExitCode : SigIntExitCode;
        LastSignalExitCode = ExitCode;
        context.Cancel = true;
        _source.Cancel();
    }
}

/// <summary>
/// A host lifetime that does nothing: commands run to completion or to cancellation by <see cref="Interrupts"/>, and
/// no signal handler of the generic host stands between the user's Ctrl-C and the command.
/// </summary>
public sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
