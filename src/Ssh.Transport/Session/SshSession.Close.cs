using Ssh.Transport.Messages;

namespace Ssh.Transport.Session;

/// <summary>Ending the session: DISCONNECT, failures, disposal.</summary>
internal sealed partial class SshSession
{
    /// <summary>Sends DISCONNECT and closes the connection.</summary>
    public async Task DisconnectAsync(DisconnectReason reason, string description)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
        {
            await WaitClosedQuietlyAsync().ConfigureAwait(false);
            return;
        }
        await TrySendDisconnectAsync(reason, description).ConfigureAwait(false);
        Close(null);
        await WaitClosedQuietlyAsync().ConfigureAwait(false);
    }

    private async Task WaitClosedQuietlyAsync()
    {
        try
        {
            await _closed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reason is in CloseReason.
        }
    }

    /// <summary>Ends the session because of <paramref name="error"/> (a dead peer, say).</summary>
    internal Task AbortAsync(Exception error) => FailAsync(error);

    /// <summary>Ends the session after an error: tells the peer why (unless it told us), then closes.</summary>
    internal async Task FailAsync(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
        {
            return;
        }
        if (error is SshProtocolException { SentByPeer: false } protocolError)
            await TrySendDisconnectAsync(protocolError.Reason, protocolError.Message).ConfigureAwait(false);
        Close(error);
    }

    private async Task TrySendDisconnectAsync(DisconnectReason reason, string description)
    {
        try
        {
            // Bounded: a peer that stopped reading must not hold up the close.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (!await _writeLock.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false)) return;
            try
            {
                int length = Fill(new DisconnectMessage(reason, description.Length > 200 ? description[..200] : description));
                await _writer.WriteAsync(length, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception)
        {
            // Best effort: the connection may already be gone.
        }
    }

    private void Close(Exception? error)
    {
        _closeReason = error is null ? new SshConnectionException("The connection was closed.") : Wrap(error);
        _lifetime.Cancel();
        try
        {
            _stream.Dispose();
        }
        catch (Exception)
        {
            // Closing a broken socket can throw; it is closed either way.
        }
        _serviceMessages.Writer.TryComplete(_closeReason);
        _kex.OnClosed(_closeReason);
        ConnectionHandler?.OnSessionClosed(error is null ? null : _closeReason);
        if (error is null) _closed.TrySetResult();
        else _closed.TrySetException(_closeReason);
    }

    internal static Exception Wrap(Exception e) => e switch
    {
        SshException => e,
        IOException or System.Net.Sockets.SocketException or ObjectDisposedException =>
            new SshConnectionException("The connection was lost: " + e.Message, e),
        OperationCanceledException => new SshConnectionException("The connection was closed.", e),
        _ => new SshException("The connection failed: " + e.Message, e),
    };

    private void ThrowIfClosed()
    {
        if (_closeReason is not null) throw Wrap(_closeReason);
        if (_closing != 0) throw new SshConnectionException("The connection is closing.");
    }

    public async ValueTask DisposeAsync()
    {
        // Idempotent: SshClient closes on a failed connect and again when disposed, and the packet buffers must go
        // back to the shared pool exactly once or two later connections end up sharing one.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_closing == 0)
            await DisconnectAsync(DisconnectReason.ByApplication, "Closed by application.").ConfigureAwait(false);
        bool readLoopDone = _readLoop is null;
        if (_readLoop is not null)
        {
            try
            {
                await _readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                readLoopDone = true;
            }
            catch (TimeoutException)
            {
                // Still running: its buffer is not ours to give back.
            }
            catch (Exception)
            {
                readLoopDone = true; // Already reported through CloseReason.
            }
        }
        if (readLoopDone) _reader.Dispose();
        // A send that got past its closed-check may still be filling the packet buffer: wait it out. Later ones
        // find the session closed once they hold the lock.
        if (await _writeLock.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            _writer.Dispose();
            _writeLock.Release();
        }
        _kex.Dispose();
    }
}
