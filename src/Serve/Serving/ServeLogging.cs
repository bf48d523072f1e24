using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace WasmGraph.Serve.Serving;

/// <summary>
/// Structured logs for the server (Microsoft.Extensions.Logging), configured by the standard <c>Logging</c> section:
/// <c>Logging:LogLevel:Default</c>, and <c>Logging:Console:FormatterName</c> <c>simple</c> (the default: one line per
/// event, UTC timestamps) or <c>json</c> (one JSON object per line with the message template's named values, as log
/// collectors want). ASP.NET Core's own categories log warnings and above unless configured otherwise.
/// </summary>
public static class ServeLogging
{
    public static ILoggerFactory Create(IConfiguration configuration) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        // Each AddXConsole selects its formatter, so add only the one configured.
        if (string.Equals(configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
    });
}
