using WasmGraph.Abstractions;
using Spectre.Console;
using WasmGraph.Host.Cli;
using WasmGraph.Host.Configuration;

namespace WasmGraph.Host.Tests;

/// <summary>Untrusted text made safe for a terminal, and the "did you mean" suggestions.</summary>
public sealed class FormatTests
{
    [Theory]
    [InlineData("y\u001b]0;pwned\u0007", "y\\x1b]0;pwned\\x07")]
    [InlineData("a\u001b[2Jb", "a\\x1b[2Jb")]
    [InlineData("c1\u009bcsi", "c1\\x9bcsi")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("line\nbreak\r", "line\\x0abreak\\x0d")]
    [InlineData("nul\0", "nul\\x00")]
    [InlineData("bidi\u202Eevil", "bidi\\u202eevil")]
    [InlineData("plain name:0", "plain name:0")]
    [InlineData("ünïcödé ≤6", "ünïcödé ≤6")]
    public void UntrustedTextShowsEveryControlCharacterAsAVisibleEscape(string text, string expected)
    {
        Assert.Equal(expected, Format.Untrusted(text));
    }

    [Fact]
    public void UntrustedTextIsCutAtTheLimitAndSaysHowLongItWas()
    {
        var shown = Format.Untrusted(new string('n', 300));

        Assert.StartsWith(new string('n', Format.UntrustedMaxLength) + "…", shown);
        Assert.Contains("300 chars", shown);
        Assert.True(shown.Length < 200, shown);
    }

    [Fact]
    public void CuttingUntrustedTextNeverSplitsASurrogatePair()
    {
        var text = new string('a', Format.UntrustedMaxLength - 1) + "😀tail";

        var shown = Format.Untrusted(text);

        Assert.DoesNotContain(shown, char.IsSurrogate);
        Assert.StartsWith(new string('a', Format.UntrustedMaxLength - 1) + "…", shown);
    }

    [Fact]
    public void ErrorTextKeepsLineBreaksButEscapesOtherControls()
    {
        Assert.Equal("first\nsecond \\x1b[31m", Format.ControlFree("first\nsecond \u001b[31m"));
    }

    [Fact]
    public void TheTerminalSafeConsoleEscapesControlCharactersInWhateverIsWrittenToIt()
    {
        var writer = new StringWriter();
        var console = TerminalSafeConsole.Wrap(InProcessCli.Plain(writer));

        console.MarkupLine($"name: {Markup.Escape("x\u001b]52;c;ZXZpbA==\u0007")}");
        console.Write(new Table().AddColumn("c").AddRow(Markup.Escape("\u009b2J")));

        var text = writer.ToString();
        Assert.DoesNotContain(text, c => Format.IsUnsafeForTerminal(c) && c is not '\n' and not '\r');
        Assert.Contains("\\x1b]52;c;ZXZpbA==\\x07", text);
        Assert.Contains("\\x9b2J", text);
    }

    [Fact]
    public void TheTerminalSafeConsoleKeepsSpectresOwnColours()
    {
        var writer = new StringWriter();
        var inner = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.Standard,
        });

        TerminalSafeConsole.Wrap(inner).MarkupLine("[red]red[/]");

        Assert.Contains("\u001b[", writer.ToString());
    }

    [Theory]
    [InlineData("--max-memroy", "--max-memory")]
    [InlineData("--timeot", "--timeout")]
    [InlineData("--output-dri", "--output-dir")]
    [InlineData("--max", "--max-memory")]
    [InlineData("--MAX-MEMORY", "--max-memory")]
    public void AMisspelledNameSuggestsTheClosestKnownOne(string wrong, string expected)
    {
        string[] known = ["--max-memory", "--timeout", "--output-dir", "--repeat", "--reference"];

        Assert.Equal(expected, NameSuggestion.Closest(wrong, known));
    }

    [Theory]
    [InlineData("--frobnicate")]
    [InlineData("--x")]
    [InlineData("")]
    public void ANameFarFromEveryKnownOneSuggestsNothing(string wrong)
    {
        Assert.Null(NameSuggestion.Closest(wrong, ["--max-memory", "--timeout", "--repeat"]));
    }

    [Fact]
    public void SuggestingForAHugeNameCostsNothing()
    {
        Assert.Null(NameSuggestion.Closest(new string('x', 1_000_000), ["--timeout"]));
    }
}
