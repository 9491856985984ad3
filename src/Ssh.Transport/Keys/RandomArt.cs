using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>The "drunken bishop" picture OpenSSH draws for a fingerprint (its VisualHostKey): starting in the middle of
/// a 17×9 board, each byte of the hash, two bits at a time from the lowest, moves the bishop one diagonal step (bit 0:
/// right or left, bit 1: down or up), stopping at the walls; each square counts its visits, shown as
/// <c> .o+=*BOX@%&amp;#/^</c>, with <c>S</c> where it started and <c>E</c> where it ended.</summary>
internal static class RandomArt
{
    private const int Width = 17;
    private const int Height = 9;
    private const string Symbols = " .o+=*BOX@%&#/^SE";

    public static string Draw(ReadOnlySpan<byte> digest, string title, string footer)
    {
        int start = Symbols.Length - 2, end = Symbols.Length - 1;
        int[,] field = new int[Width, Height];
        int x = Width / 2, y = Height / 2;
        foreach (byte value in digest)
        {
            int bits = value;
            for (int step = 0; step < 4; step++, bits >>= 2)
            {
                x = Math.Clamp(x + ((bits & 1) != 0 ? 1 : -1), 0, Width - 1);
                y = Math.Clamp(y + ((bits & 2) != 0 ? 1 : -1), 0, Height - 1);
                if (field[x, y] < start) field[x, y]++;
            }
        }
        field[Width / 2, Height / 2] = start;
        field[x, y] = end;

        if (title.Length > Width) title = title[..title.IndexOf(' ')] + "]";
        var art = new StringBuilder();
        Border(art, title);
        for (int row = 0; row < Height; row++)
        {
            art.Append('|');
            for (int column = 0; column < Width; column++) art.Append(Symbols[Math.Min(field[column, row], end)]);
            art.Append("|\n");
        }
        Border(art, footer);
        return art.ToString().TrimEnd('\n');
    }

    private static void Border(StringBuilder art, string label)
    {
        int left = (Width - label.Length) / 2;
        art.Append('+').Append('-', left).Append(label).Append('-', Width - left - label.Length).Append("+\n");
    }
}
