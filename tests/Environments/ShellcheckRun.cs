using Platform.Build.Logging;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Environments;

/// <summary>Runs the real shellcheck on a snippet; returns its findings (empty when clean).</summary>
internal static class ShellcheckRun
{
    public static string Check(string script, string shell)
    {
        var runner = new ToolRunner(new RecordingLog(), ToolLocator.FromProcess());
        if (new ToolLocator(System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "")).Find(KnownTools.Shellcheck) is null)
            Assert.Fail("shellcheck is not installed (apt-get install shellcheck; CI installs it).");
        var result = runner.RunAsync(Shellcheck.CheckStdin(script, shell)).GetAwaiter().GetResult();
        return result.StandardOutput.Trim();
    }
}
