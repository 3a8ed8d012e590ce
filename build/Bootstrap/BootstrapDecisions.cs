namespace Platform.Build.Bootstrap;

/// <summary>
/// What the control plane looks like to a (re-)run: <see cref="Initialised"/> means the init marker matches the CA
/// (a `kubeadm init` that Bootstrap saw exit 0), <see cref="LeftoverFiles"/> that an earlier init left admin.conf, the
/// manifests, the CA or etcd data, <see cref="ApiAnswers"/> that /readyz printed ok.
/// </summary>
public sealed record ControlPlaneState(bool Initialised, bool LeftoverFiles, bool ApiAnswers);

public enum InitAction
{
    /// <summary>Initialised and answering: nothing to do.</summary>
    AlreadyDone,
    /// <summary>Nothing there yet.</summary>
    Init,
    /// <summary>An init that did not finish (kubeadm writes admin.conf and the manifests before it waits for the control plane).</summary>
    ResetThenInit,
    /// <summary>Initialised but not answering (rebooting, kubelet down): wait, and never reset it.</summary>
    WaitForApiServer,
}

public enum JoinAction { AlreadyDone, Join, ResetThenJoin }

/// <summary>The idempotency and resumption rules of the init and join steps. Pure; the runner gathers the facts.</summary>
public static class BootstrapDecisions
{
    public static InitAction Init(ControlPlaneState state) => state switch
    {
        { Initialised: true, ApiAnswers: true } => InitAction.AlreadyDone,
        { Initialised: true } => InitAction.WaitForApiServer,
        { LeftoverFiles: true } or { ApiAnswers: true } => InitAction.ResetThenInit,
        _ => InitAction.Init,
    };

    /// <summary>
    /// A worker is joined when it holds kubelet.conf and the API server lists its Node. kubelet.conf without a Node
    /// means credentials for a cluster that no longer knows the node (the control plane was re-initialised, or the
    /// Node was deleted): reset the worker and join again. A Node without kubelet.conf is a stale registration
    /// (the worker was reset): join again; kubeadm takes over a Node that is not Ready.
    /// </summary>
    public static JoinAction Join(bool joinedOnDisk, bool registered) => (joinedOnDisk, registered) switch
    {
        (true, true) => JoinAction.AlreadyDone,
        (true, false) => JoinAction.ResetThenJoin,
        _ => JoinAction.Join,
    };
}
