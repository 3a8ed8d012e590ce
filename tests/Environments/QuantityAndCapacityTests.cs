using Newtonsoft.Json.Linq;
using Platform.Build.Environments;
using Platform.Build.Logging;
using Platform.Build.Tests.Support;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Environments;

[TestFixture]
public class QuantityTests
{
    [TestCase("250m", 250)]
    [TestCase("1", 1000)]
    [TestCase("0.5", 500)]
    [TestCase("1.5", 1500)]
    [TestCase("2e3m", 2000)]
    [TestCase("100u", 1)]
    [TestCase(".1", 100)]
    public void Parses_cpu_to_millicores(string text, long millis) => Assert.That(Quantity.CpuMillis(text), Is.EqualTo(millis));

    [TestCase("512Mi", 512L * 1024 * 1024)]
    [TestCase("1Gi", 1024L * 1024 * 1024)]
    [TestCase("64Ki", 64L * 1024)]
    [TestCase("1G", 1_000_000_000L)]
    [TestCase("128M", 128_000_000L)]
    [TestCase("2k", 2000L)]
    [TestCase("1048576", 1048576L)]
    [TestCase("1.5Gi", 1610612736L)]
    [TestCase("1e3", 1000L)]
    [TestCase("1Ti", 1099511627776L)]
    public void Parses_memory_to_bytes(string text, long bytes) => Assert.That(Quantity.Bytes(text), Is.EqualTo(bytes));

    [TestCase("")]
    [TestCase("lots")]
    [TestCase("1 Gi")]
    [TestCase("1gi")]
    [TestCase("1Mb")]
    [TestCase("Mi")]
    public void Rejects_what_is_not_a_quantity(string text) =>
        Assert.That(() => Quantity.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains("is not a Kubernetes quantity"));
}

[TestFixture]
public class CapacityPlanTests
{
    private static JObject Pod(string json) => JObject.Parse(json);

    [Test]
    public void Init_containers_count_as_their_peak_and_sidecars_add_up_the_kubernetes_way()
    {
        var spec = Pod("""
            {"initContainers":[
               {"name":"migrate","resources":{"requests":{"cpu":"2","memory":"100Mi"}}},
               {"name":"proxy","restartPolicy":"Always","resources":{"requests":{"cpu":"100m","memory":"50Mi"}}},
               {"name":"late","resources":{"requests":{"cpu":"500m","memory":"1Gi"}}}],
             "containers":[
               {"name":"a","resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"memory":"512Mi"}}},
               {"name":"b","resources":{"limits":{"cpu":"1","memory":"128Mi"}}}]}
            """);
        var requests = CapacityPlan.PodResources(spec, "requests");
        // cpu: app 250m + b's limit-as-request 1000m + sidecar 100m = 1350m < migrate's 2000m → 2000m.
        // memory: app 256Mi + 128Mi + sidecar 50Mi = 434Mi < late 1Gi + sidecar 50Mi = 1074Mi → 1074Mi.
        Assert.That(requests.CpuMillis, Is.EqualTo(2000));
        Assert.That(requests.MemoryBytes, Is.EqualTo(1074L * 1024 * 1024));
        var limits = CapacityPlan.PodResources(spec, "limits");
        Assert.That(limits.MemoryUnbounded, Is.True, "init containers without a memory limit make the pod's limit unbounded");
    }

    [Test]
    public void Replicas_multiply_and_the_threshold_decides()
    {
        var objects = Rendered.Environment("acc");
        var pool = new WorkerPool(2, 4, 8192, 500, 1024, 1000, 2048);
        var report = CapacityPlan.Compute([("acc", objects)], pool, 60);
        var wordpress = report.Workloads.Single(w => w.Workload == "Deployment/wordpress");
        Assert.Multiple(() =>
        {
            Assert.That(wordpress.Replicas, Is.EqualTo(2));
            Assert.That(wordpress.Requests.CpuMillis, Is.EqualTo(500));
            Assert.That(report.Workloads.Single(w => w.Workload == "StatefulSet/pg-db").Requests.MemoryBytes, Is.EqualTo(1L << 30));
            Assert.That(pool.AllocatableCpuMillis, Is.EqualTo(2 * 3500 - 1000));
            Assert.That(pool.AllocatableMemoryBytes, Is.EqualTo((2L * 7168 - 2048) * 1024 * 1024));
            Assert.That(report.Passed, Is.True);
        });
        var tiny = CapacityPlan.Compute([("acc", objects)], new WorkerPool(1, 2, 2048, 500, 1024, 500, 512), 60);
        Assert.That(tiny.Passed, Is.False);
        Assert.That(tiny.Problems, Has.Some.Contains("requests are").And.Some.Contains("openstack.workerCount"));
        var none = CapacityPlan.Compute([("acc", objects)], new WorkerPool(1, 1, 1024, 1000, 1024, 0, 0), 60);
        Assert.That(none.Problems, Has.Some.Contains("nothing allocatable"));
    }

    [Test]
    public void The_capacity_target_prints_the_table_and_passes_with_the_default_workers()
    {
        var log = new RecordingLog();
        var suite = new Suite(Rendered.DefaultSettings(), log, new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>());
        suite.Capacity();
        Assert.That(log.Text, Does.Contain("Capacity: requests and limits").And.Contain("sts/pg-db").And.Contain("allocatable").And.Contain("25.0%"));
        Assert.That(suite.Summary.Rows.Where(r => r.Step == "Capacity").Select(r => r.Subject), Is.SupersetOf(new[] { "dev", "test", "acc", "all selected environments" }));
        Assert.That(suite.Summary.HasFailures, Is.False);
        TestContext.Out.WriteLine(log.Text);
    }

    [Test]
    public void The_capacity_target_fails_above_the_threshold()
    {
        var log = new RecordingLog();
        var settings = Rendered.DefaultSettings(new Dictionary<string, string>
        {
            ["openstack.workerCount"] = "1",
            ["openstack.workerFlavorVcpus"] = "2",
            ["openstack.workerFlavorRamMb"] = "4096",
        });
        var suite = new Suite(settings, log, new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>());
        Assert.That(() => suite.Capacity(), Throws.InvalidOperationException.With.Message.Contains("Capacity check failed"));
        Assert.That(suite.Summary.HasFailures, Is.True);
    }

    [Test]
    public void A_bad_quantity_names_the_environment_and_the_workload()
    {
        var objects = Rendered.Copy("dev");
        Rendered.Find(objects, "StatefulSet", "pg-db").Body.SelectToken("spec.template.spec.containers[0].resources.requests")!["memory"] = "lots";
        Assert.That(() => CapacityPlan.Compute([("dev", objects)], new WorkerPool(2, 4, 8192, 500, 1024, 1000, 2048), 60),
            Throws.TypeOf<FormatException>().With.Message.Contains("dev: StatefulSet/dev/pg-db").And.Message.Contains("'lots'"));
    }

    [Test]
    public void Only_the_selected_environments_are_counted()
    {
        var log = new RecordingLog();
        var suite = new Suite(Rendered.DefaultSettings(new Dictionary<string, string> { ["env"] = "dev" }), log,
            new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>());
        suite.Capacity();
        Assert.That(suite.Summary.Rows.Select(r => r.Subject), Does.Contain("dev").And.Not.Contain("acc"));
    }
}
