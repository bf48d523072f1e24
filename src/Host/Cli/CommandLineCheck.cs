using System.ComponentModel;
using System.Reflection;
using Spectre.Console.Cli;
using WasmGraph.Abstractions;
using WasmGraph.Host.Configuration;

namespace WasmGraph.Host.Cli;

/// <summary>
/// Checks a command line against the verbs before Spectre parses it, so that a misspelled verb or flag is an error that
/// names it and the closest known one (<c>unknown option '--max-memroy' for 'run'; did you mean '--max-memory'?</c>)
/// instead of being ignored: a typo in <c>--timeout</c> or <c>--max-memory</c> would otherwise run without the limit.
/// Spectre's strict parsing stays on behind it as a backstop. The known options of a verb are read from its settings
/// class, so a new flag needs no change here.
/// </summary>
public sealed class CommandLineCheck
{
    private static readonly string[] HelpOptions = ["-h", "--help", "-?"];
    private static readonly string[] RootOptions = ["-h", "--help", "-?", "--version"];

    private readonly Dictionary<string, Type> _verbs = new(StringComparer.Ordinal);

    /// <summary>Registers a verb and remembers its settings type; use it instead of <c>config.AddCommand</c>.</summary>
    public ICommandConfigurator Add<TCommand>(IConfigurator config, string name) where TCommand : class, ICommand
    {
        _verbs[name] = SettingsTypeOf(typeof(TCommand));
        return config.AddCommand<TCommand>(name);
    }

    public IReadOnlyCollection<string> Verbs => _verbs.Keys;

    /// <summary>Throws a <see cref="WasmGraphException"/> (exit 2) for an unknown verb or an option the verb does not have.</summary>
    public void Check(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return;
        }
        var verb = args[0];
        if (verb.StartsWith('-'))
        {
            if (!RootOptions.Contains(verb))
            {
                throw new WasmGraphException($"unknown option '{Format.Untrusted(verb)}'{NameSuggestion.Hint(verb, RootOptions)}; " +
                                             "a verb comes first: wasmgraph <verb> [options], see 'wasmgraph --help'");
            }
            return;
        }
        if (!_verbs.TryGetValue(verb, out var settingsType))
        {
            throw new WasmGraphException($"unknown verb '{Format.Untrusted(verb)}'{NameSuggestion.Hint(verb, _verbs.Keys)}");
        }
        var options = OptionsOf(settingsType);
        for (int i = 1; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                // Spectre would pass what follows as "remaining arguments", which no verb reads: a flag put there
                // (run m.wasm -- --timeout 5) would be ignored like a misspelled one.
                if (i + 1 < args.Count)
                {
                    throw new WasmGraphException($"'{verb}' takes no arguments after '--', but got '{Format.Untrusted(args[i + 1])}'");
                }
                return;
            }
            if (!IsOption(token))
            {
                continue;
            }
            var name = OptionName(token);
            if (options.TryGetValue(name, out var option))
            {
                // The value is the next token unless it was given inline (--timeout=5); take it even when it starts
                // with a dash (--scale -1).
                if (option.TakesValue)
                {
                    var value = name.Length < token.Length ? token[(name.Length + 1)..] : i + 1 < args.Count ? args[++i] : null;
                    CheckNumber(verb, name, option.Type, value);
                }
                continue;
            }
            if (name.StartsWith("--", StringComparison.Ordinal) || name.Length == 2)
            {
                throw Unknown(name, verb, options.Keys);
            }
            // A group of short flags (-vq): each letter must be a flag of this verb.
            foreach (char c in name[1..])
            {
                if (!options.ContainsKey($"-{c}"))
                {
                    throw Unknown(name, verb, options.Keys);
                }
            }
        }
    }

    /// <summary>
    /// A numeric flag's value must convert, checked here so the message names the flag and the range: Spectre's own
    /// message ("Failed to convert '99999999999' to Int32.") names neither. Range limits of the verb (--repeat at least
    /// 1) are the settings' Validate.
    /// </summary>
    private static void CheckNumber(string verb, string flag, Type type, string? value)
    {
        var (kind, range) = type == typeof(int) ? ("an integer", $" from {int.MinValue} to {int.MaxValue}")
                          : type == typeof(long) ? ("an integer", $" from {long.MinValue} to {long.MaxValue}")
                          : type == typeof(double) ? ("a number", "")
                          : (null, "");
        if (kind is null || value is null)
        {
            return; // Not a number, or no value at all: Spectre says "expects a value".
        }
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new WasmGraphException($"{flag} for '{verb}' expects {kind}{range}, not '{Format.Untrusted(value)}'");
        }
    }

    private static WasmGraphException Unknown(string option, string verb, IEnumerable<string> known)
    {
        var names = known.Where(k => !HelpOptions.Contains(k)).ToList();
        var hint = NameSuggestion.Closest(option, names) is { } close
            ? $"; did you mean '{close}'?"
            : $"; its options are: {string.Join(", ", names.Where(n => n.StartsWith("--", StringComparison.Ordinal)).Order(StringComparer.Ordinal))}";
        return new WasmGraphException($"unknown option '{Format.Untrusted(option)}' for '{verb}'{hint}");
    }

    /// <summary>A token that names an option: starts with a dash, and is not a negative number ("-1", "-.5") or "-".</summary>
    private static bool IsOption(string token)
        => token.Length >= 2 && token[0] == '-' && !char.IsDigit(token[1]) && token[1] != '.';

    /// <summary>"--timeout" of "--timeout=5" or "--timeout:5"; a short option as given.</summary>
    private static string OptionName(string token)
    {
        if (!token.StartsWith("--", StringComparison.Ordinal))
        {
            return token;
        }
        int end = token.IndexOfAny(['=', ':']);
        return end < 0 ? token : token[..end];
    }

    /// <summary>Every spelling of every option of a settings type ("-o", "--output"), and whether it takes a value.</summary>
    internal static Dictionary<string, OptionShape> OptionsOf(Type settingsType)
    {
        var options = new Dictionary<string, OptionShape>(StringComparer.Ordinal);
        foreach (var property in settingsType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is not { } option)
            {
                continue;
            }
            var type = property.PropertyType.IsArray ? property.PropertyType.GetElementType()! : property.PropertyType;
            var shape = new OptionShape(option.ValueName is not null && !option.ValueIsOptional, Nullable.GetUnderlyingType(type) ?? type);
            foreach (var name in option.LongNames)
            {
                options[$"--{name}"] = shape;
            }
            foreach (var name in option.ShortNames)
            {
                options[$"-{name}"] = shape;
            }
        }
        foreach (var help in HelpOptions)
        {
            options[help] = new OptionShape(false, typeof(bool));
        }
        return options;
    }

    /// <summary>Whether an option takes a value, and the type of that value.</summary>
    internal readonly record struct OptionShape(bool TakesValue, Type Type);

    /// <summary>The TSettings of a <c>Command&lt;TSettings&gt;</c> or <c>AsyncCommand&lt;TSettings&gt;</c>.</summary>
    private static Type SettingsTypeOf(Type command)
    {
        for (var type = command; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericArguments() is [var settings] && typeof(CommandSettings).IsAssignableFrom(settings))
            {
                return settings;
            }
        }
        return typeof(CommandSettings);
    }
}
