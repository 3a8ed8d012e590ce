// The pipeline map. Each task describes itself, names what it depends on, and makes one call into the suite's
// library (build/, loaded below). ./build.sh --tree | --description | --dryrun show the whole flow.
#r "./.build/lib/Platform.Build.dll"

using Platform.Build;

var target = Argument("target", "Validate");
Platform.Build.Suite suite = null;

Setup(context =>
{
    // Loads and checks every setting for this target: a bad setting stops the run here, before any tool starts.
    suite = Platform.Build.Suite.Create(context.Environment.WorkingDirectory.FullPath, target,
        context.Arguments.GetArguments(), context.Log.Verbosity >= Verbosity.Verbose);
});

Teardown(context => suite?.PrintSummary());

// ---------------------------------------------------------------- offline: runs anywhere, no cloud needed
Task("Settings")
    .Description("Prints every setting, its value and where it came from (default, settings.yaml, environment, argument).")
    .Does(() => suite.ShowSettings());

Task("Configure")
    .Description("Writes the settings-derived files Git carries for GitOps (host names, repository URL, revision); Validate fails when they are stale.")
    .Does(() => suite.Configure());

Task("Doctor")
    .Description("Lists each external tool: required or optional for which targets, found version, OK / missing / too old, how to install.")
    .Does(() => suite.Doctor());

Task("Lint")
    .Description("terraform fmt -check, yamllint, shellcheck on every shell script, dotnet format --verify-no-changes.")
    .Does(() => suite.Lint());

Task("Capacity")
    .Description("Sums requests and limits of the rendered environments against the worker flavors' allocatable capacity (fails above 60%).")
    .Does(() => suite.Capacity());

Task("Validate")
    .Description("Renders k8s/, argocd/ and kyverno/ and validates every object strictly against Kubernetes 1.35 and CRD schemas. The default target.")
    .IsDependentOn("Capacity")
    .Does(() => suite.Validate());

Task("Test")
    .Description("The test command: Lint and Validate, then every NUnit test (labs included), with JUnit XML under artifacts/.")
    .IsDependentOn("Lint")
    .IsDependentOn("Validate")
    .Does(() => suite.Test());

Task("Benchmark-Validate")
    .Description("Times Validate against a bare `kubectl kustomize` render of the same folders and prints the ratio (goal <= 1.5).")
    .Does(() => suite.BenchmarkValidate());

// ---------------------------------------------------------------- cloud: needs OpenStack credentials (OS_* or clouds.yaml)
Task("Preflight")
    .Description("Checks the OpenStack tenant before anything is created: auth, catalog, external network, floating IP, quotas, image, flavors.")
    .Does(() => suite.Preflight());

Task("Plan")
    .Description("Generates pinned SSH host keys, runs terraform init and plan to a plan file under artifacts/terraform/.")
    .IsDependentOn("Preflight")
    .Does(() => suite.Plan());

Task("Provision")
    .Description("Applies the saved plan and writes the inventory (nodes, IPs, SSH entry, pinned host keys) for the next targets.")
    .IsDependentOn("Plan")
    .Does(() => suite.Provision());

Task("Audit")
    .Description("Compares the live OpenStack state with the intended rule matrix and address plan; fails on drift (ISO 27001 5.23, 8.20, 8.22).")
    .Does(() => suite.Audit());

Task("Bootstrap")
    .Description("Turns the provisioned VMs into a Kubernetes 1.35 cluster with kubeadm over SSH (pinned host keys, ProxyJump), writes the kubeconfig.")
    .Does(() => suite.Bootstrap());

Task("GitOps")
    .Description("Installs the pinned Argo CD on the bootstrapped cluster, creates its Secrets and the Cinder CSI cloud config from the environment and Provision's output, applies the root app-of-apps once and waits until it is synced.")
    .Does(() => suite.InstallGitOps());

Task("Benchmark-Bootstrap")
    .Description("Times a 3-node bootstrap in the SSH lab: parallel vs sequential joins, and a re-run vs the first run.")
    .Does(() => suite.BenchmarkBootstrap());

Task("Destroy")
    .Description("terraform destroy of everything Provision created.")
    .Does(() => suite.Destroy());

Task("LeakCheck")
    .Description("Lists any OpenStack resource still carrying the platform's name or tags; fails if anything is left.")
    .Does(() => suite.LeakCheck());

Task("Teardown")
    .Description("Removes everything: Destroy, then the leak check.")
    .IsDependentOn("Destroy")
    .IsDependentOn("LeakCheck");

RunTarget(target);
