#include "partclaims.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>

using heiko::PartClaims;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

class TestPartClaims final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void partThereAtTheFirstLookIsSeen();
    void ownClaimIsSeenAtOnce();
    void partMadeLaterIsSeenAtTheNextListing();
    void missingFolderHasNoParts();
    void hugeFolderIsLookedAtOnTheDisk();
    void folderThroughASymlinkIsTheSameFolder();
    void heldNameIsNobodyElses();
    void holdTakenBeforeTheFolderIsMadeStaysHeld();

private:
    static bool touch(const QString &path)
    {
        QFile file(path);
        return file.open(QIODevice::WriteOnly);
    }
    static QString folderOf(const QTemporaryDir &dir)
    {
        return QDir::cleanPath(QDir(dir.path()).absolutePath());
    }
};

void TestPartClaims::partThereAtTheFirstLookIsSeen()
{
    // A .part left by another program (or an earlier run) claims its name; a symlink named so does too. Other
    // files do not.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(touch(dir.filePath(u"left.bin.part"_s)));
    QVERIFY(touch(dir.filePath(u".hidden.part"_s)));
    QVERIFY(QFile::link(dir.filePath(u"nowhere"_s), dir.filePath(u"link.bin.part"_s)));
    QVERIFY(touch(dir.filePath(u"done.bin"_s)));
    PartClaims claims(1h);
    const QString folder = folderOf(dir);
    QVERIFY(claims.mayExist(folder, u"left.bin.part"_s));
    QVERIFY(claims.mayExist(folder, u".hidden.part"_s));
    QVERIFY(claims.mayExist(folder, u"link.bin.part"_s));
    QVERIFY(!claims.mayExist(folder, u"done.bin.part"_s));
    QVERIFY(!claims.mayExist(folder, u"other.bin.part"_s));
}

void TestPartClaims::ownClaimIsSeenAtOnce()
{
    // This process's own .part is known from the claim made before its create, without a new listing, and
    // only in its own folder.
    QTemporaryDir dir;
    QTemporaryDir elsewhere;
    QVERIFY(dir.isValid() && elsewhere.isValid());
    PartClaims claims(1h);
    const QString folder = folderOf(dir);
    QVERIFY(!claims.mayExist(folder, u"a.bin.part"_s)); // listed now: empty
    claims.claim(folder, u"a.bin.part"_s);
    QVERIFY(claims.mayExist(folder, u"a.bin.part"_s));
    QVERIFY(!claims.mayExist(folderOf(elsewhere), u"a.bin.part"_s));
}

void TestPartClaims::partMadeLaterIsSeenAtTheNextListing()
{
    // A listing is trusted until it is older than the rescan interval; then the folder is listed again.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = folderOf(dir);
    PartClaims trusting(1h);
    PartClaims listingEachTime(0ms);
    QVERIFY(!trusting.mayExist(folder, u"late.bin.part"_s));
    QVERIFY(!listingEachTime.mayExist(folder, u"late.bin.part"_s));
    QVERIFY(touch(dir.filePath(u"late.bin.part"_s)));
    QVERIFY(!trusting.mayExist(folder, u"late.bin.part"_s)); // the documented blind spot
    QVERIFY(listingEachTime.mayExist(folder, u"late.bin.part"_s));
    QVERIFY(QFile::remove(dir.filePath(u"late.bin.part"_s)));
    QVERIFY(!listingEachTime.mayExist(folder, u"late.bin.part"_s)); // gone again: the name is free
}

void TestPartClaims::missingFolderHasNoParts()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PartClaims claims;
    QVERIFY(!claims.mayExist(folderOf(dir) + u"/not/made/yet"_s, u"a.bin.part"_s));
}

void TestPartClaims::hugeFolderIsLookedAtOnTheDisk()
{
    // Listing a folder of a million files every second would cost more than it saves: past the bound every
    // answer is "maybe", and the caller looks on the disk.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (int i = 0; i < 5; ++i)
        QVERIFY(touch(dir.filePath(u"f%1.bin"_s.arg(i))));
    PartClaims bounded(1h, 4);
    PartClaims roomy(1h, 100);
    QVERIFY(bounded.mayExist(folderOf(dir), u"f0.bin.part"_s));
    QVERIFY(bounded.mayExist(folderOf(dir), u"anything.part"_s));
    QVERIFY(!roomy.mayExist(folderOf(dir), u"f0.bin.part"_s));
}

void TestPartClaims::folderThroughASymlinkIsTheSameFolder()
{
    // One download saves into a link to the folder, another into the folder itself (or names it another
    // way): a claim through one spelling is seen through the other.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkdir(u"real"_s));
    const QString real = QDir::cleanPath(dir.filePath(u"real"_s));
    const QString link = QDir::cleanPath(dir.filePath(u"link"_s));
    QVERIFY(QFile::link(real, link));
    PartClaims claims(1h);
    QVERIFY(!claims.mayExist(real, u"a.bin.part"_s)); // listed now: empty
    claims.claim(link, u"a.bin.part"_s);
    QVERIFY(claims.mayExist(real, u"a.bin.part"_s));
    claims.claim(real + u"/../real/."_s, u"b.bin.part"_s); // spelled another way
    QVERIFY(claims.mayExist(link, u"b.bin.part"_s));
}

void TestPartClaims::heldNameIsNobodyElses()
{
    // A download's .part name is its own while it holds it, file or no file; its next hold lets the first
    // go, and so does a release. Held through a symlinked spelling of the folder, it is held in the folder.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = folderOf(dir);
    QVERIFY(QFile::link(folder, dir.filePath(u"via"_s)));
    const QString via = dir.filePath(u"via"_s);
    PartClaims claims(1h);
    QVERIFY(claims.hold(folder, u"a.bin.part"_s, 1));
    QVERIFY(claims.hold(folder, u"a.bin.part"_s, 1)); // again: still its own
    QVERIFY(!claims.hold(via, u"a.bin.part"_s, 2));
    QVERIFY(claims.isHeldByAnother(folder, u"a.bin.part"_s, 2));
    QVERIFY(!claims.isHeldByAnother(folder, u"a.bin.part"_s, 1));
    QVERIFY(claims.mayExist(folder, u"a.bin.part"_s)); // a hold is a claim
    QVERIFY(claims.hold(folder, u"b.bin.part"_s, 1)); // its next name: the first is free
    QVERIFY(!claims.isHeldByAnother(folder, u"a.bin.part"_s, 2));
    QVERIFY(claims.hold(via, u"a.bin.part"_s, 2));
    claims.release(1);
    QVERIFY(!claims.isHeldByAnother(folder, u"b.bin.part"_s, 3));
    QVERIFY(claims.isHeldByAnother(folder, u"a.bin.part"_s, 3));
}

void TestPartClaims::holdTakenBeforeTheFolderIsMadeStaysHeld()
{
    // A download holds its name before its create makes the missing folder. Reached through a symlink, the
    // folder made afterwards must be the same folder for the hold as for every later look.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = folderOf(dir);
    QVERIFY(QDir(folder).mkdir(u"real"_s));
    QVERIFY(QFile::link(folder + u"/real"_s, dir.filePath(u"via"_s)));
    const QString target = dir.filePath(u"via/new"_s);
    PartClaims claims(1h);
    QVERIFY(claims.hold(target, u"a.bin.part"_s, 1));
    QVERIFY(QDir().mkpath(target));
    QVERIFY(claims.isHeldByAnother(target, u"a.bin.part"_s, 2));
    QVERIFY(!claims.hold(target, u"a.bin.part"_s, 2));
    QVERIFY(claims.isHeldByAnother(folder + u"/real/new"_s, u"a.bin.part"_s, 2));
}

QTEST_GUILESS_MAIN(TestPartClaims)
#include "tst_partclaims.moc"
