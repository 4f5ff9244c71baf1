using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>A block of native memory that does not move, for read and send calls made from one thread.</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    public NativeBuffer(int length)
    {
        Pointer = (byte*)NativeMemory.Alloc((nuint)length);
        Length = length;
    }

    public byte* Pointer { get; private set; }

    public int Length { get; }

    public void Dispose()
    {
        NativeMemory.Free(Pointer);
        Pointer = null;
    }
}
