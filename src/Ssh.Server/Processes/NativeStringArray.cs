using System.Runtime.InteropServices;
using System.Text;

namespace Ssh.Server.Processes;

/// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings (argv, envp) in one native block.</summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private void* _block;

    public NativeStringArray(IReadOnlyList<string> items, string what)
    {
        nuint pointers = (nuint)(items.Count + 1) * (nuint)sizeof(byte*);
        nuint bytes = 0;
        foreach (string item in items)
        {
            if (item.Contains('\0'))
            {
                throw new ArgumentException($"The {what} contains a NUL character.", what);
            }
            bytes += (nuint)Encoding.UTF8.GetByteCount(item) + 1;
        }
        _block = NativeMemory.Alloc(pointers + bytes);
        var array = (byte**)_block;
        byte* next = (byte*)_block + pointers;
        byte* end = next + bytes;
        for (int i = 0; i < items.Count; i++)
        {
            array[i] = next;
            int written = Encoding.UTF8.GetBytes(items[i], new Span<byte>(next, (int)(end - next)));
            next[written] = 0;
            next += written + 1;
        }
        array[items.Count] = null;
    }

    public byte** Pointer => (byte**)_block;

    public void Dispose()
    {
        NativeMemory.Free(_block);
        _block = null;
    }
}
